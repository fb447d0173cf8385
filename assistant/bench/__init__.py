"""Speed, memory and load measurements (`pair-assistant bench`): :mod:`.speed` and :mod:`.load`."""
