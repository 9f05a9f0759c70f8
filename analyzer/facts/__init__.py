"""The analyzer's data: symbolic values and the frozen facts each file yields."""
