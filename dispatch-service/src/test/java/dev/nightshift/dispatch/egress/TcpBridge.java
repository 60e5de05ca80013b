package dev.nightshift.dispatch.egress;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A loopback TCP port forwarded to a door's Unix socket, as socat does inside a sandbox: lets JDK TLS
 * clients (HttpClient, SSLSocket), which speak only TCP, go through the real proxy.
 */
final class TcpBridge implements AutoCloseable {

    private final ServerSocket server;

    TcpBridge(Path door) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket tcp = server.accept();
                    SocketChannel unix = SocketChannel.open(StandardProtocolFamily.UNIX);
                    unix.connect(UnixDomainSocketAddress.of(door));
                    Thread.ofVirtual().start(() -> up(tcp, unix));
                    Thread.ofVirtual().start(() -> down(tcp, unix));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    private static void up(Socket tcp, SocketChannel unix) {
        try (tcp; unix) {
            InputStream in = tcp.getInputStream();
            byte[] buffer = new byte[16384];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
                while (b.hasRemaining()) {
                    unix.write(b);
                }
            }
        } catch (IOException e) {
            // either side ended: both go
        }
    }

    private static void down(Socket tcp, SocketChannel unix) {
        try (tcp; unix) {
            OutputStream out = tcp.getOutputStream();
            ByteBuffer b = ByteBuffer.allocate(16384);
            while (unix.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                out.flush();
                b.clear();
            }
        } catch (IOException e) {
            // either side ended: both go
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
