# %% [markdown]
# # tailor from a notebook: import, split, fit, evaluate, recommend
#
# The script twin of a notebook (cells are marked `# %%`, as Jupytext and VS Code read them) on
# the bundled Online Retail sample. Run it from the repository root with the package importable
# (`pip install .`, or `PYTHONPATH=build/python`):
#
#     python3 examples/notebook.py

# %%
import pathlib

import pandas as pd

import tailor

root = pathlib.Path(__file__).resolve().parents[1]
print("tailor", tailor.__version__)

# %% [markdown]
# ## Import: a DataFrame of purchases
# Cancellations (invoice numbers starting with C) and rows without a customer are dropped; ids
# stay text, as the CSV writes them.

# %%
df = pd.read_csv(root / "data" / "online_retail_sample.csv.gz",
                 dtype={"CustomerID": str, "StockCode": str, "InvoiceNo": str},
                 parse_dates=["InvoiceDate"])
df = df[~df["InvoiceNo"].str.startswith("C") & df["CustomerID"].notna() & (df["Quantity"] > 0)]
df["value"] = df["Quantity"] * df["UnitPrice"]
data = tailor.Dataset.from_pandas(df, customer="CustomerID", item="StockCode",
                                  time="InvoiceDate", quantity="Quantity", value="value")
print(data)

# %% [markdown]
# ## Split by time and fit iALS

# %%
train, test = data.split("time:2011-11-01")
print(train.split_info["rows"])
epochs = []
model = tailor.IALS(factors=32, iterations=10).fit(train, callback=epochs.append)
print(pd.DataFrame(epochs)[["epoch", "objective"]].tail(3))

# %% [markdown]
# ## Evaluate beside item kNN and the baselines

# %%
evaluation = tailor.evaluate(data, "time:2011-11-01",
                             models=[tailor.IALS(factors=32, iterations=10),
                                     tailor.ItemKNN(neighbours=50)], k=[10])
print(evaluation.metrics[["precision@10", "recall@10", "ndcg@10"]])

# %% [markdown]
# ## Lists for every customer, as the campaign export writes them

# %%
lists = model.recommend(n=5, as_frame=True)
print(lists.head(10))
print(f"{lists['customer_id'].nunique()} customers with a list")
