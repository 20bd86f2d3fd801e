"""A module in /lib, which is on MicroPython's import path."""
import sys


def hello(name):
    # sys.platform says which board answered: 'rp2', 'esp32', 'webassembly' (the virtual board)
    return "Hello, %s, from %s" % (name, sys.platform)
