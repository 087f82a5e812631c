"""``sign2gpt serve``: a translation web page and HTTP API around one loaded checkpoint.

engine.py is the only module that touches the model; uploads.py checks and unpacks what a
client sent; jobs.py runs one translation at a time; app.py wires them into a FastAPI app with
the page in static/. Nothing here is imported by the library layers or by the other front doors.
"""
