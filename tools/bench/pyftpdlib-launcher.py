"""pyftpdlib for the ftp-lab bench: what `python3 -m pyftpdlib -i HOST -p PORT -d HOME -w` sets up
(anonymous with elradfmwMT, the default FTPHandler, logging at INFO to stderr), plus what 200 to
1000 concurrent sessions need: no session limit (max_cons 0; the default is 512) and a listen
backlog of 1024 (the default is 100). Prints `LISTENING host:port` once it listens.

usage: pyftpdlib-launcher.py HOST PORT HOME
"""

import sys
import warnings

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    host, port, home = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    warnings.simplefilter("ignore")  # "write permissions assigned to anonymous user"
    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(home, perm="elradfmwMT")
    handler = FTPHandler
    handler.authorizer = authorizer
    server = FTPServer((host, port), handler, backlog=1024)
    server.max_cons = 0
    server.max_cons_per_ip = 0
    host, port = server.address[:2]
    # IPv6 in brackets, as the wire kit reads it (tools/wire/server-process.ts).
    print("LISTENING %s:%d" % ("[%s]" % host if ":" in host else host, port), flush=True)
    try:
        server.serve_forever()
    finally:
        server.close_all()


if __name__ == "__main__":
    main()
