"""tailor from Python: the same C++ engine as the ``tailor`` command line.

    import tailor
    data = tailor.Dataset.from_pandas(df, customer="CustomerID", item="StockCode",
                                      time="InvoiceDate", quantity="Quantity")
    train, test = data.split("time:2011-11-01")
    model = tailor.IALS(factors=64, iterations=15).fit(train)
    customers, items, scores = model.recommend(n=10)

``tailor.implicit`` offers the calls of the implicit package (``fit(user_items)``,
``recommend(userid, user_items)``, ...) over the same engine. See docs/python.md.
"""

from . import _tailor
from ._dataset import Dataset
from ._exports import read_export, to_parquet
from ._item_models import EASE, TIFUKNN, ItemKNN
from ._models import BPR, IALS, NotFittedError, load_model
from ._nightly import Backtest, Campaign, backtest, campaign
from ._workflows import Evaluation, Sweep, evaluate, sweep

__version__: str = _tailor.__version__

InputError = _tailor.InputError  # bad input: a ValueError with the CLI's message
RunError = _tailor.RunError      # a failure while working (I/O, diverged training): RuntimeError
set_log_level = _tailor.set_log_level
cuda_built: bool = _tailor.cuda_built
cuda_devices = _tailor.cuda_devices

__all__ = ["Dataset", "IALS", "BPR", "ItemKNN", "EASE", "TIFUKNN", "load_model", "evaluate",
           "Evaluation", "sweep", "Sweep", "campaign", "Campaign", "backtest", "Backtest",
           "read_export", "to_parquet", "NotFittedError", "InputError", "RunError",
           "set_log_level", "cuda_built", "cuda_devices", "__version__"]
