# %% [markdown]
# # tailor from a notebook: import, split, fit, evaluate, tune, campaign
#
# The script twin of a notebook (cells are marked `# %%`, as Jupytext and VS Code read them) on
# the bundled Online Retail sample. Run it from the repository root with the package importable
# (`pip install .`, or `PYTHONPATH=build/python`):
#
#     python3 examples/notebook.py

# %%
import pathlib
import tempfile

import pandas as pd

import tailor

tailor.set_log_level("warn")  # the engine's progress lines (stderr) only for warnings
root = pathlib.Path(__file__).resolve().parents[1]
print("tailor", tailor.__version__)

# %% [markdown]
# ## Import: a DataFrame of purchases
# Cancellations (invoice numbers starting with C) and rows without a customer are dropped; ids
# stay text, as the CSV writes them. The item side file gives each item its name, category and
# price, which the campaign's discovery slots and value rules use.

# %%
df = pd.read_csv(root / "data" / "online_retail_sample.csv.gz",
                 dtype={"CustomerID": str, "StockCode": str, "InvoiceNo": str},
                 parse_dates=["InvoiceDate"])
df = df[~df["InvoiceNo"].str.startswith("C") & df["CustomerID"].notna() & (df["Quantity"] > 0)]
df["value"] = df["Quantity"] * df["UnitPrice"]
items = pd.read_csv(root / "data" / "online_retail_items.csv.gz", dtype={"StockCode": str},
                    index_col="StockCode")  # name, category, price per item
data = tailor.Dataset.from_pandas(df, customer="CustomerID", item="StockCode",
                                  time="InvoiceDate", quantity="Quantity", value="value",
                                  items=items)
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
# The data behind each chart of the HTML report, ready for any plotting library:
bars = evaluation.figures["metrics"]
print(bars[(bars["metric"] == "ndcg") & (bars["k"] == 10)][["model", "value"]])

# %% [markdown]
# ## Tune iALS on the same split

# %%
search = tailor.sweep(data, "time:2011-11-01", model=tailor.IALS(),
                      grid={"factors": [16, 32], "regularization": [0.05, 0.5],
                            "alpha": [1.0], "iterations": [10]}, k=[10])
print(search.trials[["trial", "factors", "regularization", "score", "best_epoch"]])
print("best:", search.best)

# %% [markdown]
# ## Lists for every customer, as the campaign export writes them

# %%
lists = model.recommend(n=5, as_frame=True)
print(lists.head(10))
print(f"{lists['customer_id'].nunique()} customers with a list")

# %% [markdown]
# ## The night's campaign
# The dataset goes to HDF5, and the example nightly config (data/campaign.example.toml) runs on
# it as `tailor run` would: repeat, discovery and model slots, value tiers, a control group, QA
# gates, and the exports published as one folder.

# %%
work = pathlib.Path(tempfile.mkdtemp(prefix="tailor-notebook-"))
data.to_h5(work / "sample.h5")
config = (root / "data" / "campaign.example.toml").read_text()
config = config.replace('"out/sample.h5"', f'"{work / "sample.h5"}"').replace('"out/', f'"{work}/')
(work / "campaign.toml").write_text(config)
night = tailor.campaign(work / "campaign.toml")
summary = night.summary
print({k: summary[k] for k in ("lists", "treatment", "control", "items_by_slot")})
print("QA passed:", night.qa["passed"])
with pd.option_context("display.width", 120, "display.max_columns", 10):
    print(night.lists.head(12)[["customer_id", "rank", "item_id", "slot", "reason", "tier",
                                "group"]])
print(night.lists.groupby("slot").size().rename("listed items"))
