#!/usr/bin/python3
"""Twin of strategies/pandas-clean-chain.c: the cleaning chain, each step a new frame.

    pdf = df.to_pandas()
    pdf = pdf.replace([np.inf, -np.inf], np.nan)
    pdf = pdf.fillna(pdf.median())
    X = pdf.to_numpy(np.float32)

to_pandas is twin.to_pandas (pyarrow's blocks, see there). The median is computed into a
name before the fillna phase so that it has its phase, as the argument is evaluated before
fillna runs in the one-line form; the rebinding frees the old frame when the new one exists,
as Python does. df stays alive to the end, as in the code.
"""
import warnings

import numpy as np
import pandas as pd  # noqa: F401  imported before the first phase: not measured

from twin import args, keep, load_source, phase, to_pandas

warnings.simplefilter("ignore")

a = args()
df = load_source(a)

phase("to_pandas")
pdf = to_pandas(df)

phase("replace")
pdf = pdf.replace([np.inf, -np.inf], np.nan)

phase("median")
med = pdf.median()

phase("fillna")
pdf = pdf.fillna(med)

phase("to_numpy")
X = pdf.to_numpy(a.np_dtype)

keep([df, pdf, X])
phase(None)
