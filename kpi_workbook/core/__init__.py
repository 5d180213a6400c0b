"""What every stage shares: the survey definition, the findings catalogue, values as typed
and understood, the round's CSV format, file names, atomic outputs and isolated calls."""
