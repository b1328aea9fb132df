package dev.imageregistry.gateway.wire;

import java.io.ByteArrayInputStream;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * An HTTP transport for the real SDK clients that answers with bytes the gateway's writer produced, so the SDK's own
 * unmarshallers judge them (no server: the HTTP path is covered by the tests against the running stack).
 */
final class CannedTransport implements SdkHttpClient {
    private record Canned(int status, byte[] body) {
    }

    private final ConcurrentLinkedDeque<Canned> answers = new ConcurrentLinkedDeque<>();
    private final AtomicInteger calls = new AtomicInteger();

    /** Answers every request with this from now on. */
    void answer(int status, byte[] body) {
        answers.clear();
        answers.add(new Canned(status, body));
    }

    /** Answers the next requests with these, one each, then keeps answering with the last. */
    void answers(int firstStatus, byte[] first, int thenStatus, byte[] then) {
        answers.clear();
        answers.add(new Canned(firstStatus, first));
        answers.add(new Canned(thenStatus, then));
    }

    int calls() {
        return calls.get();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                calls.incrementAndGet();
                Canned canned = answers.size() > 1 ? answers.poll() : answers.peek();
                byte[] bytes = canned.body();
                return HttpExecuteResponse.builder()
                        .response(SdkHttpResponse.builder().statusCode(canned.status()).putHeader("Content-Type", "text/xml;charset=UTF-8")
                                .putHeader("Content-Length", String.valueOf(bytes.length)).build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes))).build();
            }

            @Override
            public void abort() {
            }
        };
    }

    @Override
    public void close() {
    }
}
