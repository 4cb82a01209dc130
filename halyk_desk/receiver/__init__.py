"""The callback receiver: an internet-facing HTTP server for the bank's postLink notices.

It runs on Starlette and uvicorn (halyk_desk.receiver.server), stores each notice through
services.callbacks and answers 200 at once; a single background worker then reads the payment's
status from the bank (halyk_desk.receiver.checker).
"""
