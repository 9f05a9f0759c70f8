"""The proxy's event-loop server: one uvloop per gunicorn worker reads and parses every
connection (`http1.py`), and hands each request that is ready to a handler: today the
WSGI app, run on a pool of threads (`wsgi_bridge.py`); `worker.py` is the gunicorn
worker class. Slow clients hold no thread: their waits are the loop's timers.
"""
