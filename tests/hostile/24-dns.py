# expect: violation
import socket
socket.getaddrinfo("example.com", 80)
