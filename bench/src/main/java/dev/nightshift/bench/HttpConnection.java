package dev.nightshift.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection to 127.0.0.1, as wrk keeps them: a request written in one go, the answer
 * read to its end (Content-Length or chunked), a new connection only when the server closes this one. No pool,
 * no retries: a failed exchange is an error the bench counts.
 */
final class HttpConnection implements AutoCloseable {

    /** A status and a body. */
    record Answer(int status, byte[] body) {
    }

    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    HttpConnection(int port) {
        this.port = port;
    }

    Answer exchange(Deliveries.Request request) throws IOException {
        if (socket == null) {
            open();
        }
        try {
            out.write(request.head());
            out.write(request.body());
            out.flush();
            return read();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void open() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    }

    private Answer read() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
            throw new IOException("not an HTTP/1.1 answer: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean closing = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).strip();
            String value = header.substring(colon + 1).strip();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.equalsIgnoreCase("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                closing = value.equalsIgnoreCase("close");
            }
        }
        byte[] body;
        if (chunked) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line().split(";")[0].strip(), 16); size > 0; size = Integer.parseInt(line().split(";")[0].strip(), 16)) {
                all.write(in.readNBytes(size));
                line();
            }
            while (!line().isEmpty()) {
                // trailers
            }
            body = all.toByteArray();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new EOFException("answer cut short");
            }
        } else {
            body = in.readAllBytes();
            closing = true;
        }
        if (closing) {
            close(); // Tomcat closes after max-keep-alive-requests (100): the next exchange opens a new one
        }
        return new Answer(code, body);
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("connection closed by the server" + (line.isEmpty() ? "" : " after: " + line));
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing a broken connection: nothing left to do with it
            }
            socket = null;
        }
    }
}
