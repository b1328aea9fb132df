package dev.imageregistry.gateway.ec2;

import dev.imageregistry.gateway.wire.HttpRefusals;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * A request's body, read on the event loop as it arrives: copied chunk by chunk into one array of the size its
 * {@code Content-Length} declares (up to 64 KiB, grown past that and for a chunked body), so that the signature's
 * hash and the form's parameters read the same bytes without another copy. A body over the limit is refused as it arrives (413), one
 * that cannot be read (the connection failed) with 400.
 */
public final class RequestBody {
    public static final byte[] NONE = new byte[0];
    private static final int INITIAL_LIMIT = 64 * 1024;

    private final long limit;
    private final Promise<byte[]> read = Promise.promise();
    private byte[] bytes;
    private int length;

    private RequestBody(long limit, long declared) {
        this.limit = limit;
        // A declared length is trusted up to 64 KiB (every EC2 form is smaller), and past that the array grows with
        // what arrives: a client that declares 10 MiB and sends nothing holds no 10 MiB here.
        this.bytes = new byte[declared >= 0 ? (int) Math.min(declared, INITIAL_LIMIT) : 1024];
    }

    /** The body's bytes, or a failure with the refusal to answer ({@link HttpRefusals}). */
    public static Future<byte[]> read(RoutingContext context, long limit) {
        HttpServerRequest request = context.request();
        if (request.isEnded()) {
            // Read already by a handler before this one (none does today): take what it kept.
            Buffer kept = context.body() == null ? null : context.body().buffer();
            return Future.succeededFuture(kept == null ? NONE : kept.getBytes());
        }
        long declared = declaredLength(request);
        if (declared > limit) {
            return Future.failedFuture(HttpRefusals.tooLarge(limit));
        }
        RequestBody body = new RequestBody(limit, declared);
        request.handler(body::append);
        request.endHandler(ignored -> body.read.tryComplete(body.bytes()));
        request.exceptionHandler(e -> body.read.tryFail(HttpRefusals.unreadable()));
        if (request.version() != HttpVersion.HTTP_1_0
                && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            // A client that waits for leave to send its body (curl does past 1 KiB) gets it once the body is wanted.
            context.response().writeContinue();
        }
        return body.read.future();
    }

    private void append(Buffer chunk) {
        if (read.future().isComplete()) {
            return;
        }
        int size = chunk.length();
        if (length + (long) size > limit) {
            read.tryFail(HttpRefusals.tooLarge(limit));
            return;
        }
        if (length + size > bytes.length) {
            bytes = java.util.Arrays.copyOf(bytes, (int) Math.min(limit, Math.max(bytes.length * 2L, length + (long) size)));
        }
        chunk.getBytes(bytes, length);
        length += size;
    }

    private byte[] bytes() {
        return length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length);
    }

    /** The declared {@code Content-Length}, or -1 (chunked, or not a number: HTTP's decoder refuses that earlier). */
    public static long declaredLength(HttpServerRequest request) {
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared == null) {
            return -1;
        }
        try {
            return Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
