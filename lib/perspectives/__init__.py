"""perspectives: regenerate the reports of a multi-country study from parameterised notebooks.

See README.md for the commands and ARCHITECTURE.md for the layers of this package.
"""
