package dev.imageregistry.replicator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.locks.LockSupport;

/**
 * A slow network link in front of a server: a TCP forwarder whose server-to-client direction is limited to a
 * fixed bandwidth shared by all connections, as a thin cross-Region link would be. It makes a copy last long
 * enough on any machine for a test to kill the replicator in the middle of it.
 */
final class ThrottledLink implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final String scheme;
    private final long bytesPerSecond;
    private long nextFree = System.nanoTime();

    ThrottledLink(String targetEndpoint, long bytesPerSecond) throws IOException {
        URI target = URI.create(targetEndpoint);
        this.targetHost = target.getHost();
        this.targetPort = target.getPort();
        this.scheme = target.getScheme(); // bytes are forwarded as they are: TLS goes through end to end
        this.bytesPerSecond = bytesPerSecond;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(this::accept, "throttled-link-accept");
    }

    String endpoint() {
        return scheme + "://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                daemon(() -> pump(client, upstream, false), "throttled-link-up");
                daemon(() -> pump(upstream, client, true), "throttled-link-down");
            } catch (IOException e) {
                // closed, or the target refused one connection: the client sees a reset and retries
            }
        }
    }

    private void pump(Socket from, Socket to, boolean throttled) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (throttled) {
                    pace(n);
                }
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
            if (from.isOutputShutdown()) {
                // both directions have ended: the connection is over
                closeQuietly(from);
                closeQuietly(to);
            }
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Holds the caller until the link's bandwidth allows {@code bytes} more (the link's own clock, not a test wait). */
    private void pace(int bytes) {
        long due;
        synchronized (this) {
            nextFree = Math.max(nextFree, System.nanoTime()) + bytes * 1_000_000_000L / bytesPerSecond;
            due = nextFree;
        }
        long remaining;
        while ((remaining = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
        }
    }

    private static void daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
