#!/usr/bin/env python3
"""The folders of host/ are layers: a file may include headers of its own folder and of the
folders below it, never of one above. kernels/ includes nothing from host/, and host/ includes no
CUDA header (kernels/kernels.hpp and kernels/backend.hpp are its whole view of the backends).
Prints every include that breaks a rule and exits 1; exits 0 when there is none.
  scripts/check_layers.py [ROOT]
"""
import pathlib
import re
import sys

# Lowest first. A folder may use every folder before it in this list.
LAYERS = ["core", "io", "data", "train", "score", "eval", "campaign", "rank", "export", "report",
          "pipeline", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)
CUDA_HEADERS = re.compile(r"^(cuda|cublas|cusolver|cusparse|curand|nccl|thrust/|cub/)")


def violations(root):
    rank = {name: k for k, name in enumerate(LAYERS)}
    for path in sorted((root / "host").rglob("*.[ch]pp")):
        folder = path.relative_to(root / "host").parts[0]
        if folder not in rank:
            yield f"{path.relative_to(root)}: host/{folder}/ is not a known layer ({', '.join(LAYERS)})"
            continue
        for inc in INCLUDE.findall(path.read_text()):
            if CUDA_HEADERS.match(inc) or inc.startswith("kernels/cuda/"):
                yield f"{path.relative_to(root)}: includes {inc}: host/ sees no CUDA header"
            parts = inc.split("/")
            if parts[0] == "host" and len(parts) >= 3:
                if parts[1] not in rank:
                    yield f"{path.relative_to(root)}: includes {inc}, outside the layers"
                elif rank[parts[1]] > rank[folder]:
                    yield (f"{path.relative_to(root)}: includes {inc}: host/{folder}/ may not use "
                           f"host/{parts[1]}/, which is above it")
            elif parts[0] == "host":
                yield f"{path.relative_to(root)}: includes {inc}, a header outside every layer folder"
    for path in sorted((root / "kernels").rglob("*")):
        if path.suffix not in (".hpp", ".cpp", ".cu", ".cuh"):
            continue
        for inc in INCLUDE.findall(path.read_text()):
            if inc.startswith("host/"):
                yield f"{path.relative_to(root)}: includes {inc}: kernels/ may not use host/"


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    found = list(violations(root.resolve()))
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} include(s) break the layering (scripts/check_layers.py explains it)")
        return 1
    print(f"layers: host/ {' < '.join(LAYERS)}; no include breaks them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
