#!/usr/bin/python3
"""Digest of a folder of tailor outputs, stable across identical runs, for scripts/golden.sh.

Text exports (CSV, JSON lines, Markdown, logs) are copied as they are. JSON files lose the keys
that differ on every run (wall-clock seconds, timestamps, host). HDF5 files become one line per
object: its path, its attributes but created_at, and a hash of its data, so two runs that wrote
the same numbers and strings agree though libhdf5 writes different bytes.
  golden_digest.py IN_DIR OUT_DIR
"""
import hashlib
import json
import pathlib
import sys

VOLATILE = {"seconds", "finished_at", "started_at", "created_at", "host", "timings",
            "epoch_seconds"}


def scrub(value):
    """value without its volatile keys; the fingerprint of an HDF5 file is left out too (its
    bytes carry object timestamps), JSON held in strings is scrubbed as JSON."""
    if isinstance(value, dict):
        h5 = str(value.get("path", "")).endswith(".h5")
        return {k: scrub(v) for k, v in value.items()
                if k not in VOLATILE and not (h5 and k == "fingerprint")}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str) and value.startswith("{"):
        try:
            return scrub(json.loads(value))
        except ValueError:
            return value
    return value


def digest_h5(path):
    import h5py
    import numpy as np
    lines = []

    def attrs(obj):
        return {k: scrub(v.tolist() if hasattr(v, "tolist") else v)
                for k, v in obj.attrs.items() if k not in VOLATILE}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            if name.split("/")[-1] in VOLATILE:
                return
            data = obj[()]
            blob = (b"\0".join(x if isinstance(x, bytes) else str(x).encode() for x in data.ravel())
                    if data.dtype == object else np.ascontiguousarray(data).tobytes())
            lines.append(f"{name} {obj.dtype} {obj.shape} {attrs(obj)} {hashlib.sha256(blob).hexdigest()}")
        else:
            lines.append(f"{name}/ {attrs(obj)}")

    with h5py.File(path, "r") as f:
        lines.append(f"/ {attrs(f)}")
        f.visititems(visit)
    return "\n".join(lines) + "\n"


def main(src, dst):
    src, dst = pathlib.Path(src), pathlib.Path(dst)
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        out = dst / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".h5":
            out.with_suffix(".h5.txt").write_text(digest_h5(path))
        elif path.suffix == ".json":
            text = json.dumps(scrub(json.loads(path.read_text())), indent=1, sort_keys=True)
            out.write_text(text + "\n")
        else:
            out.write_bytes(path.read_bytes())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
