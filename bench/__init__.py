"""The benchmark suite (`make bench`): figures, not tests. Prints one JSON line per figure."""
