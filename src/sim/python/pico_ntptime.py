# ntptime as frozen into Pico W firmware (micropython-lib micropython/net/ntptime), written from
# its documented behaviour (facts §3, §10): resolve `host` port 123, send a 48-byte NTP request
# over UDP, wait `timeout` seconds for the reply, and set the RTC to UTC.
import socket
import struct

host = "pool.ntp.org"
timeout = 1

# seconds from 1900-01-01 to 1970-01-01 (the rp2 epoch is 1970)
NTP_DELTA = 2208988800


def time():
    request = bytearray(48)
    request[0] = 0x1B
    address = socket.getaddrinfo(host, 123)[0][-1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(request, address)
        reply = s.recv(48)
    finally:
        s.close()
    seconds = struct.unpack("!I", reply[40:44])[0]
    return seconds - NTP_DELTA


def settime():
    import machine
    import utime

    t = time()
    tm = utime.gmtime(t)
    machine.RTC().datetime((tm[0], tm[1], tm[2], tm[6] + 1, tm[3], tm[4], tm[5], 0))
