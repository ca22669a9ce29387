"""The policy state: which actor allows which weapon where, as of any date.

`hierarchy` reads the scope and weapon-class data files, `compute` derives the state
from dated decisions (pure, no database), `load` reads the events from the database
and memoizes the index per data version. The pages, the JSON API and the Atom feed
(app/web/state.py) all call the same `StateIndex` methods.
"""
