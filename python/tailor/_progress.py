"""Training progress as a tqdm bar (when tqdm is installed) around the epoch callback."""

from __future__ import annotations

from typing import Any, Callable


def _tqdm() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def epoch_hook(callback: Callable[[dict], Any] | None, progress: bool | None, total: int,
               name: str) -> tuple[Callable[[dict], Any] | None, Any]:
    """(the callback fit() hands the engine, the bar or None). ``progress``: None shows a bar
    when tqdm is installed, True requires tqdm, False shows none. Each epoch moves the bar and
    shows its objective, then calls ``callback``."""
    tqdm = _tqdm() if progress is not False else None
    if progress is True and tqdm is None:
        raise ImportError("progress=True needs tqdm (pip install tqdm)")
    if tqdm is None:
        return callback, None
    bar = tqdm(total=total, desc=name, unit="epoch")

    def hook(epoch: dict) -> None:
        bar.update(1)
        if epoch.get("objective") is not None:
            bar.set_postfix(objective=f"{epoch['objective']:.6g}", refresh=False)
        if callback is not None:
            callback(epoch)

    return hook, bar
