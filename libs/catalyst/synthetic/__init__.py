"""The synthetic replay set: a seeded universe of daily and one-minute bars with planted patterns and
catalyst headlines (``universe``), the generators behind it (``templates``, ``shapes``, ``intraday``,
``headlines``, ``names``), the real bokeh sample days it grows from (``sampledata``) and its loader into
the bar store (``python -m catalyst.synthetic.load``). Bars of any source share ``catalyst.bar_columns``.
"""
