"""Write a small, valid tailor interaction file with h5py.

Usage: python3 write_example.py OUT.h5

The external ids live once in /customers/id and /items/id; each interaction row holds uint32
indices into them, plus a unix time and a quantity. Columns are chunked and gzip-compressed.
"""
import sys

import h5py
import numpy as np

customer_ids = np.array(["C-1001", "C-1002", "C-1003"], dtype="S")  # fixed-length ASCII
item_ids = ["espresso", "filter papers", "grinder", "mug"]  # variable-length UTF-8 below
customer = np.array([0, 0, 1, 2, 2, 2], dtype=np.uint32)
item = np.array([0, 1, 0, 2, 3, 3], dtype=np.uint32)
time = np.array([1700000000, 1700000500, 1700086400, 1700100000, 1700100000, 1700200000],
                dtype=np.int64)
quantity = np.array([2, 1, 1, 1, 2, 1], dtype=np.float32)

with h5py.File(sys.argv[1], "w") as f:
    f.attrs["format"] = "tailor-interactions"
    f.attrs["format_version"] = 1
    f.create_dataset("customers/id", data=customer_ids)
    f.create_dataset("items/id", data=item_ids, dtype=h5py.string_dtype())
    for name, column in [("customer", customer), ("item", item), ("time", time),
                         ("quantity", quantity)]:
        f.create_dataset("interactions/" + name, data=column, chunks=True,
                         compression="gzip", shuffle=True)
