"""``sign2gpt serve``: a translation web page and HTTP API around one loaded checkpoint.

engine.py is the only module that touches the model; uploads.py checks and unpacks what a
client sent; jobs.py runs one translation at a time; guard.py checks every request's host and
origin and reads a body under its size limit and timeout; translations.py takes an upload's place
in line, reads it and translates it; app.py wires them into a FastAPI app with the page in
static/. Nothing here is imported by the library layers or by the other front doors.
"""
