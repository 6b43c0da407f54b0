"""The European Central Bank's reference rates over HTTP (the rates port's AWS adapter)."""
