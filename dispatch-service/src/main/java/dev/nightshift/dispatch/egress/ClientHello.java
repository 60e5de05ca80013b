package dev.nightshift.dispatch.egress;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The server name (SNI) a TLS client asks for, from the first bytes it sends through a tunnel: TLS
 * handshake records (RFC 8446 5.1, possibly several) carrying a ClientHello (4.1.2) and its server_name
 * extension (RFC 6066 3). Every length is checked against what is there; nothing is trusted to be short.
 */
final class ClientHello {

    /** The largest handshake accepted: a ClientHello with post-quantum key shares is a few kilobytes. */
    static final int MAX_HANDSHAKE = 32 * 1024;
    private static final int HANDSHAKE_RECORD = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int MAX_RECORD = 16384;
    private static final int SERVER_NAME = 0;
    private static final int HOST_NAME = 0;

    private ClientHello() {
    }

    /** What the bytes so far say. */
    sealed interface Parsed {
        /** More bytes are needed. */
        record Incomplete() implements Parsed {
        }

        /** Not a TLS ClientHello (plain text, another record, a malformed one). */
        record NotClientHello(String reason) implements Parsed {
        }

        /** A ClientHello, with its host name when it names one. */
        record Hello(Optional<String> serverName) implements Parsed {
        }
    }

    static Parsed parse(byte[] raw, int length) {
        ByteArrayOutputStream handshake = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < length) {
            if ((raw[pos] & 0xff) != HANDSHAKE_RECORD) {
                return new Parsed.NotClientHello("not a TLS handshake record");
            }
            if (pos + 5 > length) {
                return new Parsed.Incomplete();
            }
            int recordLength = u16(raw, pos + 3);
            if (recordLength == 0 || recordLength > MAX_RECORD) {
                return new Parsed.NotClientHello("a TLS record of " + recordLength + " bytes");
            }
            if (pos + 5 + recordLength > length) {
                return new Parsed.Incomplete();
            }
            handshake.write(raw, pos + 5, recordLength);
            pos += 5 + recordLength;
            byte[] h = handshake.toByteArray();
            if (h.length >= 4) {
                if ((h[0] & 0xff) != CLIENT_HELLO) {
                    return new Parsed.NotClientHello("the first handshake message is not a ClientHello");
                }
                int messageLength = ((h[1] & 0xff) << 16) | u16(h, 2);
                if (messageLength > MAX_HANDSHAKE) {
                    return new Parsed.NotClientHello("a ClientHello of " + messageLength + " bytes");
                }
                if (h.length >= 4 + messageLength) {
                    try {
                        return new Parsed.Hello(serverName(new Cursor(h, 4, 4 + messageLength)));
                    } catch (IndexOutOfBoundsException e) {
                        return new Parsed.NotClientHello("a malformed ClientHello: " + e.getMessage());
                    }
                }
            }
        }
        return new Parsed.Incomplete();
    }

    private static Optional<String> serverName(Cursor hello) {
        hello.skip(2 + 32); // legacy_version, random
        hello.skip(hello.u8()); // legacy_session_id
        hello.skip(hello.u16()); // cipher_suites
        hello.skip(hello.u8()); // legacy_compression_methods
        if (hello.remaining() == 0) {
            return Optional.empty(); // no extensions at all
        }
        Cursor extensions = hello.sub(hello.u16());
        Optional<String> found = Optional.empty();
        while (extensions.remaining() > 0) {
            int type = extensions.u16();
            Cursor data = extensions.sub(extensions.u16());
            if (type != SERVER_NAME) {
                continue;
            }
            if (found.isPresent()) {
                throw new IndexOutOfBoundsException("two server_name extensions");
            }
            Cursor names = data.sub(data.u16());
            while (names.remaining() > 0) {
                int nameType = names.u8();
                byte[] name = names.bytes(names.u16());
                if (nameType == HOST_NAME) {
                    if (found.isPresent()) {
                        throw new IndexOutOfBoundsException("two host names");
                    }
                    found = Optional.of(new String(name, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return found;
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    /** A bounded window on the bytes: every read past its end throws. */
    private static final class Cursor {
        private final byte[] b;
        private int pos;
        private final int end;

        Cursor(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        int remaining() {
            return end - pos;
        }

        private void need(int n) {
            if (n < 0 || n > remaining()) {
                throw new IndexOutOfBoundsException(n + " bytes wanted, " + remaining() + " left");
            }
        }

        int u8() {
            need(1);
            return b[pos++] & 0xff;
        }

        int u16() {
            need(2);
            int v = ClientHello.u16(b, pos);
            pos += 2;
            return v;
        }

        void skip(int n) {
            need(n);
            pos += n;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }

        Cursor sub(int n) {
            need(n);
            Cursor c = new Cursor(b, pos, pos + n);
            pos += n;
            return c;
        }
    }
}
