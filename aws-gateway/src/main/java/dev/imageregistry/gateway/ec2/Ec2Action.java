package dev.imageregistry.gateway.ec2;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import software.amazon.awssdk.core.SdkPojo;

import dev.imageregistry.gateway.wire.AwsError;
import dev.imageregistry.gateway.wire.QueryReader;
import dev.imageregistry.gateway.wire.WireShape;
import io.vertx.core.Future;

/**
 * One EC2 action as a declaration: its request and answer shapes (from the model), the members of the request this
 * registry supports, and the handler that turns the request into calls of the services. The wire rules live in
 * {@code wire/}; an action is only what is particular to it.
 *
 * <p>Handlers and checks answer with a {@link Future} (they call the services without waiting for them), and may
 * refuse either by a failed future or by throwing an {@link AwsError} before their first call: {@link #run} turns the
 * one into the other, so a refusal is the same answer however a handler gives it.
 */
public final class Ec2Action {
    /** Turns an action's input (JSON keyed by member names) into its answer's members. */
    public interface Handler {
        Future<? extends JsonNode> handle(ActionCall call);
    }

    /** Refuses a call as the action would (throws, or fails), or succeeds if it would go ahead. */
    public interface Check {
        Future<?> check(ActionCall call);
    }

    private final String name;
    private final WireShape request;
    private final WireShape answer;
    private final Set<String> accepted = new LinkedHashSet<>();
    private Handler handler;
    private Check dryRunCheck;

    private Ec2Action(String name, WireShape request, WireShape answer) {
        this.name = name;
        this.request = request;
        this.answer = answer;
        accepted.add("DryRun");
    }

    public static Ec2Action action(String name, Supplier<? extends SdkPojo> request, Supplier<? extends SdkPojo> answer) {
        return new Ec2Action(name, WireShape.of(request), WireShape.of(answer));
    }

    /** The request members (paths such as {@code BlockDeviceMappings.Ebs.SnapshotId}) this registry honours. */
    public Ec2Action accepts(String... memberPaths) {
        accepted.addAll(List.of(memberPaths));
        return this;
    }

    /** TagSpecifications, as every action that tags what it creates accepts them (ResourceType, Key, Value). */
    public Ec2Action acceptsTagSpecifications() {
        return accepts("TagSpecifications.ResourceType", "TagSpecifications.Tags.Key", "TagSpecifications.Tags.Value");
    }

    public Ec2Action handledBy(Handler handler) {
        this.handler = handler;
        return this;
    }

    /** What a DryRun checks beyond the signature and parameters (that the caller owns the image, say). */
    public Ec2Action dryRunChecks(Check check) {
        this.dryRunCheck = check;
        return this;
    }

    public String name() {
        return name;
    }

    public WireShape answerShape() {
        return answer;
    }

    public WireShape requestShape() {
        return request;
    }

    /** The member paths honoured (DryRun among them). */
    public Set<String> accepted() {
        return Collections.unmodifiableSet(accepted);
    }

    public ObjectNode read(java.util.Map<String, String> parameters) {
        ObjectNode input = QueryReader.read(parameters, request);
        for (String path : QueryReader.memberPaths(input)) {
            if (!accepted.contains(path)) {
                throw AwsError.unsupported("The parameter " + path + " of " + name);
            }
        }
        return input;
    }

    /** The answer's members, or the refusal (a DryRun that would succeed is refused with {@code DryRunOperation}). */
    public Future<? extends JsonNode> run(ActionCall call) {
        try {
            if (call.input().path("DryRun").asBoolean(false) && request.member("DryRun") != null) {
                Future<?> checked = dryRunCheck == null ? Future.succeededFuture() : dryRunCheck.check(call);
                return checked.compose(ok -> Future.failedFuture(new AwsError(412, "DryRunOperation",
                        "Request would have succeeded, but DryRun flag is set.")));
            }
            return handler.handle(call);
        } catch (RuntimeException refused) {
            // The one place where a refusal thrown before a handler's first call becomes the failed future that the
            // endpoint answers from; refusals inside compose/map steps fail their futures by themselves.
            return Future.failedFuture(refused);
        }
    }
}
