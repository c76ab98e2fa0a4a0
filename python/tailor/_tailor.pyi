"""Type stubs of the compiled module tailor._tailor (python/src). Use the package `tailor`."""

from typing import Any, Callable, Optional

import numpy as np

__version__: str
cuda_built: bool

class InputError(ValueError): ...
class RunError(RuntimeError): ...

def set_log_level(level: str) -> None: ...
def cuda_devices() -> int: ...

class Columns:
    source: str
    customer_ids: list[str]
    item_ids: list[str]
    event_names: list[str]
    customer: np.ndarray  # int64 codes into customer_ids
    item: np.ndarray
    time: Optional[np.ndarray]  # int64 unix seconds
    event: Optional[np.ndarray]
    quantity: Optional[np.ndarray]  # float64, checked as the loader checks quantities
    value: Optional[np.ndarray]
    quantity_name: str
    value_name: str
    item_category: Optional[np.ndarray]  # int64 per item: code into item_category_names, -1 none
    item_category_names: list[str]
    item_name: list[str]  # per item, "" for none (or empty: no names)
    item_price: Optional[np.ndarray]  # float64 per item, NaN unknown
    def __init__(self) -> None: ...

class Data:
    path: str
    file_fingerprint: str
    fingerprint: str
    customer_ids: list[str]
    item_ids: list[str]
    event_names: list[str]
    import_report: Optional[str]
    rows: int
    shape: tuple[int, int]
    # read-only views of the log's columns and of the customer x item matrix
    customer: np.ndarray
    item: np.ndarray
    time: np.ndarray
    quantity: np.ndarray
    value: np.ndarray
    event: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    item_category: np.ndarray
    item_category_names: list[str]
    item_name: list[str]
    item_price: np.ndarray
    item_available: np.ndarray
    customer_opt_out: np.ndarray
    customer_segment: np.ndarray
    customer_segment_names: list[str]
    customer_channel: np.ndarray
    customer_channel_names: list[str]

def load(path: str, threads: int = 0) -> Data: ...
def save(data: Data, path: str) -> None: ...
def from_columns(columns: Columns, threads: int = 0) -> Data: ...
def from_csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, rows: int, cols: int,
             customer_ids: list[str], item_ids: list[str], keep_rows: bool = True,
             scale: float = 1.0, shift: float = 0.0, threads: int = 0) -> Data: ...
def fold_in(model: Fitted, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, rows: int,
            scale: float, shift: float, device: str, threads: int) -> np.ndarray: ...
def split(data: Data, spec: str, seed: int, threads: int = 0) -> tuple[Data, Data, np.ndarray, str]: ...

class IalsParams:
    factors: int
    regularization: float
    alpha: float
    iterations: int
    cg_steps: int
    confidence: str
    log_epsilon: float
    seed: int
    def __init__(self) -> None: ...

class BprParams:
    factors: int
    learning_rate: float
    regularization: float
    epochs: int
    negatives: str
    lr_schedule: str
    item_bias: bool
    bias_regularization: float
    seed: int
    def __init__(self) -> None: ...

class Fitted:
    algorithm: str
    ials: IalsParams
    bpr: BprParams
    itemknn: ItemKnnParams
    ease: EaseParams
    tifuknn: TifuKnnParams
    width: int
    customer_ids: list[str]
    item_ids: list[str]
    objective: list[float]
    epoch_seconds: list[float]
    data_fingerprint: str
    training_input: str
    created_at: str
    tailor_version: str
    backend: str
    seconds: float
    data: Optional[Data]
    customer_factors: np.ndarray
    item_factors: np.ndarray

def fit_ials(data: Data, params: IalsParams, objective: bool, device: str, threads: int,
             callback: Optional[Callable[[dict[str, Any]], Any]]) -> Fitted: ...
def fit_bpr(data: Data, params: BprParams, objective: bool, device: str, threads: int,
            callback: Optional[Callable[[dict[str, Any]], Any]]) -> Fitted: ...
def save_model(model: Fitted, path: str) -> None: ...
def load_model(path: str) -> Fitted: ...
def recommend(model: Fitted, data: Optional[Data], customers: Optional[list[str]], n: int,
              exclude_seen: bool, device: str, threads: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
def recommend_history(model: Fitted, data: Optional[Data], n: int, exclude_seen: bool,
                      device: str, threads: int
                      ) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]: ...
def topn(queries: np.ndarray, items: np.ndarray, seen_indptr: Optional[np.ndarray],
         seen_indices: Optional[np.ndarray], n: int, device: str, threads: int
         ) -> tuple[np.ndarray, np.ndarray]: ...

class ItemKnnParams:
    neighbours: int
    shrinkage: float
    weighting: str
    bm25_k1: float
    bm25_b: float
    weighted_scores: bool
    def __init__(self) -> None: ...

class EaseParams:
    regularization: float
    weighted: bool
    def __init__(self) -> None: ...

class TifuKnnParams:
    group_size: int
    within_decay: float
    across_decay: float
    neighbours: int
    alpha: float
    basket_window: int
    def __init__(self) -> None: ...

class ItemFitted:
    algorithm: str
    seconds: float
    data: Data

def fit_itemknn(data: Data, params: ItemKnnParams, device: str, threads: int) -> ItemFitted: ...
def fit_ease(data: Data, params: EaseParams, max_bytes: int, device: str, threads: int
             ) -> ItemFitted: ...
def fit_tifuknn(data: Data, params: TifuKnnParams) -> ItemFitted: ...
def save_item_model(model: ItemFitted, path: str) -> None: ...
def recommend_items(model: ItemFitted, data: Optional[Data], customers: Optional[list[str]],
                    n: int, exclude_seen: bool, threads: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

class EvaluateArgs:
    split: str
    split_seed: int
    protocol: str
    cold_start: str
    ks: list[int]
    epoch_metrics: bool
    ials: Optional[IalsParams]
    bpr: Optional[BprParams]
    itemknn: Optional[ItemKnnParams]
    ease: Optional[EaseParams]
    ease_max_bytes: int
    tifuknn: Optional[TifuKnnParams]
    report: Optional[str]
    def __init__(self) -> None: ...

def evaluate(data: Data, args: EvaluateArgs, device: str, threads: int) -> tuple[str, str]: ...

class SweepArgs:
    model: str
    metric: str
    grid: list[tuple[str, list[float]]]
    random_trials: int
    patience: int
    seed: int
    def __init__(self) -> None: ...

def sweep(data: Data, args: EvaluateArgs, sweep: SweepArgs, device: str,
          threads: int) -> tuple[str, str]: ...
def run_night(config: str, device: str, threads: int) -> tuple[str, dict]: ...
def backtest(config: str, as_of: str, horizon: str, device: str,
             threads: int) -> tuple[str, str]: ...
