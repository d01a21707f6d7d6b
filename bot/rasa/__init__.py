"""Everything that adapts Rasa itself: the first place to look when a Rasa upgrade breaks.

- ``tracker_store``: the SQL tracker store built from ``DATABASE_URL``, loading only the
  current session and riding out short database outages;
- ``lock_store``: a Redis lock store whose tickets are issued atomically, for replicas;
- ``speedups``: measured shortcuts in action-result validation and event parsing;
- ``apology``: a polite reply instead of silence when the action server cannot be reached;
- ``typed_buttons``: a button's title typed instead of pressed is handled as the button;
- ``version``: the guard that refuses to start on any Rasa other than the one these
  modules were written and measured against.
"""
