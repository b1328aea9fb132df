package dev.imageregistry.gateway.ebs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.http.HttpMethod;

/**
 * The six EBS direct API operations (API 2019-11-02), each by its method and path as botocore's model gives them.
 * Only these reach the snapshot-service through the endpoint: its other calls (DescribeSnapshots, DeleteSnapshot …)
 * are EC2's, answered on the Query API at {@code /}. A path parameter is one segment (no {@code /}, not {@code .} or
 * {@code ..}); whether it is a well-formed snapshot ID or block index is the snapshot-service's to say, in the model's
 * ValidationException.
 */
enum EbsOperation {
    START_SNAPSHOT("StartSnapshot", HttpMethod.POST, "/snapshots"),
    PUT_SNAPSHOT_BLOCK("PutSnapshotBlock", HttpMethod.PUT, "/snapshots/{snapshotId}/blocks/{blockIndex}"),
    COMPLETE_SNAPSHOT("CompleteSnapshot", HttpMethod.POST, "/snapshots/completion/{snapshotId}"),
    LIST_SNAPSHOT_BLOCKS("ListSnapshotBlocks", HttpMethod.GET, "/snapshots/{snapshotId}/blocks"),
    LIST_CHANGED_BLOCKS("ListChangedBlocks", HttpMethod.GET, "/snapshots/{secondSnapshotId}/changedblocks"),
    GET_SNAPSHOT_BLOCK("GetSnapshotBlock", HttpMethod.GET, "/snapshots/{snapshotId}/blocks/{blockIndex}");

    /** A path parameter as it arrives (still percent-encoded): one segment, not a dot segment. */
    private static final String SEGMENT = "(?!\\.\\.?/|\\.\\.?$)[^/]+";

    private final String action;
    private final HttpMethod method;
    private final Pattern path;

    EbsOperation(String action, HttpMethod method, String template) {
        this.action = action;
        this.method = method;
        this.path = Pattern.compile(template.replaceAll("\\{[A-Za-z]+\\}", Matcher.quoteReplacement(SEGMENT)));
    }

    /** The operation's name, as the model and the request limits name it. */
    String action() {
        return action;
    }

    /** The operation a request is, by its method and raw path; null for anything else under {@code /snapshots}. */
    static EbsOperation of(HttpMethod method, String rawPath) {
        for (EbsOperation operation : values()) {
            if (operation.method.equals(method) && operation.path.matcher(rawPath).matches()) {
                return operation;
            }
        }
        return null;
    }

    /** Whether the path is EBS direct's ({@code /snapshots} and below), answered in its shape whatever it is. */
    static boolean isEbsPath(String rawPath) {
        return rawPath != null && (rawPath.equals("/snapshots") || rawPath.startsWith("/snapshots/"));
    }
}
