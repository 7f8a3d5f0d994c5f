#!/usr/bin/python3
"""Twin of strategies/whole-copy.c: the pandas path on real pandas 1.5.3, step for step.

    pdf = df.to_pandas(); del df
    pdf.replace([np.inf, -np.inf], np.nan, inplace=True)
    pdf.fillna(pdf.median(), inplace=True)
    X = pdf.to_numpy(dtype=np.float32)
    del pdf

pyarrow is not in Debian: to_pandas is twin.to_pandas, which builds the blocks pyarrow builds
(one per dtype, each column written straight in) and the DataFrame over them with no copy.
The median is pandas' own (nanops.nanmedian -> bottleneck.nanmedian per block; bottleneck
1.3.5 is installed and pandas uses it). Same phases as the strategy.
"""
import sys
import warnings

import numpy as np
import pandas as pd  # noqa: F401  imported before the first phase: not measured

from twin import args, keep, load_source, phase, to_pandas

warnings.simplefilter("ignore")   # pandas 1.5's FutureWarnings: no effect on memory

a = args()
df = load_source(a)

phase("to_pandas")
pdf = to_pandas(df)

phase("drop_source")
del df

phase("replace")
pdf.replace([np.inf, -np.inf], np.nan, inplace=True)

phase("median")
med = pdf.median()

phase("fillna")
pdf.fillna(med, inplace=True)

phase("to_numpy")
X = pdf.to_numpy(dtype=a.np_dtype)

phase("drop_pandas")
del pdf
keep(X)
phase(None)
