#!/usr/bin/env python3
"""Cut data/online_retail_sample.csv.gz from the UCI Online Retail file.

Source: UCI Machine Learning Repository "Online Retail" (Chen, Sain and Guo, 2012; CC BY 4.0),
given as the first argument (online_retail.csv.gz, 541,909 rows, 2010-12-01 to 2011-12-09).

How the sample is cut:
  * a data row is kept when its CustomerID is not blank and int(float(CustomerID)) % 14 == 6,
    i.e. every row of the customers whose number leaves remainder 6 when divided by 14
    (CustomerID is written like "17850.0");
  * all rows of those customers are kept: purchases, cancellations (InvoiceNo "C...", negative
    Quantity), postage and other non-product stock codes, zero prices;
  * rows with a blank CustomerID are never in the sample;
  * the header and every kept line are copied byte for byte, in the original order, so the
    sample has exactly the original columns, quoting and LF line ends, and
    `tailor import --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity
    --price UnitPrice` reads it as it reads the full file;
  * written with gzip level 9, no file name and a zero timestamp in the gzip header, so the
    output is byte-identical from run to run (with the same zlib).

The rule gives 310 customers, 23,649 rows and about 2,700 distinct stock codes in ~340 KB:
remainders of 11..14 were compared and this one is the smallest that keeps over 300 customers.

Usage: scripts/make_sample.py [SOURCE] [OUTPUT]   (defaults as above, run from anywhere)
Standard library only.
"""

import csv
import gzip
import io
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(ROOT, "data", "online_retail_sample.csv.gz")
MODULUS = 14
REMAINDER = 6
CUSTOMER_COLUMN = "CustomerID"
ITEM_COLUMN = "StockCode"


def main() -> int:
    if len(sys.argv) < 2:
        raise SystemExit("usage: make_sample.py ONLINE_RETAIL.csv.gz [OUTPUT.csv.gz]")
    source = sys.argv[1]
    output = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUTPUT
    with gzip.open(source, "rt", encoding="utf-8", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    customer_at = header.index(CUSTOMER_COLUMN)
    item_at = header.index(ITEM_COLUMN)

    kept = [lines[0]]
    customers, items = set(), set()
    for number, line in enumerate(lines[1:], start=2):
        fields = next(csv.reader([line]))
        # The source has no quoted line breaks, so one line is one record; check it.
        if len(fields) != len(header):
            raise SystemExit(f"{source}: line {number}: {len(fields)} fields, "
                             f"expected {len(header)}")
        customer = fields[customer_at].strip()
        if not customer or int(float(customer)) % MODULUS != REMAINDER:
            continue
        kept.append(line)
        customers.add(customer)
        items.add(fields[item_at])

    data = "".join(kept).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    temporary = output + ".tmp"
    with open(temporary, "wb") as out:
        out.write(buffer.getvalue())
    os.replace(temporary, output)

    print(f"{output}: {len(kept) - 1} rows of {len(lines) - 1}, {len(customers)} customers "
          f"(CustomerID % {MODULUS} == {REMAINDER}), {len(items)} stock codes, "
          f"{len(data)} bytes, {len(buffer.getvalue())} bytes compressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
