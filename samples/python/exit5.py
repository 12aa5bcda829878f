"""exit5.py — allocates a little, then ends with sys.exit(5).
`allocprof record` must exit 5 and record exit_status 5."""
import sys

data = [str(i) * 3 for i in range(1000)]
sys.exit(5)
