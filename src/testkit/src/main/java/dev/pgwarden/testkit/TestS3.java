package dev.pgwarden.testkit;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API server (s3proxy) on loopback, over an in-memory store. It can be stopped and
 * started again on the same port with the same contents, so tests can take the store away from a
 * running sidecar and give it back.
 */
public final class TestS3 implements AutoCloseable {
    public static final String ACCESS_KEY = "pgwarden-test-access";
    public static final String SECRET_KEY = "pgwarden-test-secret-key-0123456789";

    private final BlobStoreContext context;
    private final int port;
    private S3Proxy server;

    private TestS3(BlobStoreContext context, int port) {
        this.context = context;
        this.port = port;
    }

    /** Starts a store with the given buckets. */
    public static TestS3 start(String... buckets) throws Exception {
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials("identity", "credential")
                .build(BlobStoreContext.class);
        TestS3 s3 = new TestS3(context, freePort());
        s3.startServer();
        for (String bucket : buckets) {
            context.getBlobStore().createContainerInLocation(null, bucket);
        }
        return s3;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private void startServer() throws Exception {
        server = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        server.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(server.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + server.getState());
            }
            Thread.sleep(5);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The store's contents, read directly (not through the S3 API). */
    public BlobStore blobs() {
        return context.getBlobStore();
    }

    /** Takes the S3 API away; the contents stay. */
    public synchronized void stop() throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** Brings the S3 API back on the same port. */
    public synchronized void restart() throws Exception {
        if (server == null) {
            startServer();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        context.close();
    }
}
