package dev.imageregistry.gateway.ec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import software.amazon.awssdk.services.ec2.model.DeregisterImageRequest;
import software.amazon.awssdk.services.ec2.model.DeregisterImageResponse;
import software.amazon.awssdk.services.ec2.model.RegisterImageRequest;
import software.amazon.awssdk.services.ec2.model.RegisterImageResponse;

import dev.imageregistry.gateway.signature.Caller;
import dev.imageregistry.gateway.wire.AwsError;
import io.vertx.core.Future;

/** An action's declaration decides, before any service is called, what it honours and what a DryRun does. */
class Ec2ActionTest {
    static final Caller CALLER = new Caller("AKIAEXAMPLE", "111111111111", "a", "us-east-1", "ec2");

    final AtomicInteger handled = new AtomicInteger();
    final AtomicInteger checked = new AtomicInteger();
    final Ec2Action register = Ec2Action.action("RegisterImage", RegisterImageRequest::builder,
            RegisterImageResponse::builder).accepts("Name", "BlockDeviceMappings.DeviceName",
                    "BlockDeviceMappings.Ebs.SnapshotId")
            .handledBy(call -> {
                handled.incrementAndGet();
                return Future.succeededFuture(JsonNodeFactory.instance.objectNode().put("ImageId", "ami-0123456789abcdef0"));
            });

    @Test
    void aMemberTheModelHasButThisRegistryDoesNotHonourIsRefusedByName() {
        AwsError error = assertThrows(AwsError.class, () -> register.read(Map.of("Name", "x",
                "BlockDeviceMapping.1.Ebs.Iops", "3000")));
        assertEquals("UnsupportedOperation", error.code());
        assertEquals("The parameter BlockDeviceMappings.Ebs.Iops of RegisterImage is not supported by this image registry.",
                error.getMessage());
        assertEquals("UnknownParameter", assertThrows(AwsError.class,
                () -> register.read(Map.of("Name", "x", "Colour", "red"))).code());
    }

    @Test
    void aDryRunRunsTheChecksAndNotTheAction() {
        Ec2Action deregister = Ec2Action.action("DeregisterImage", DeregisterImageRequest::builder,
                DeregisterImageResponse::builder).accepts("ImageId")
                .dryRunChecks(call -> Future.succeededFuture(checked.incrementAndGet()))
                .handledBy(call -> {
                    handled.incrementAndGet();
                    return Future.succeededFuture(JsonNodeFactory.instance.objectNode().put("Return", true));
                });
        AwsError dryRun = refusal(deregister.run(new ActionCall(CALLER,
                deregister.read(Map.of("ImageId", "ami-0123456789abcdef0", "DryRun", "true")))));
        assertEquals("DryRunOperation", dryRun.code());
        assertEquals(412, dryRun.status());
        assertEquals(List.of(1, 0), List.of(checked.get(), handled.get()));

        Future<?> done = deregister.run(new ActionCall(CALLER, deregister.read(Map.of("ImageId", "ami-0123456789abcdef0",
                "DryRun", "false"))));
        assertTrue(done.succeeded());
        assertEquals(List.of(1, 1), List.of(checked.get(), handled.get()));
    }

    @Test
    void aDryRunThatWouldFailGetsTheFailure() {
        Ec2Action refusing = Ec2Action.action("DeregisterImage", DeregisterImageRequest::builder,
                DeregisterImageResponse::builder).accepts("ImageId")
                .dryRunChecks(call -> {
                    throw new AwsError(400, "InvalidAMIID.NotFound", "not yours");
                })
                .handledBy(call -> null);
        assertEquals("InvalidAMIID.NotFound", refusal(refusing.run(new ActionCall(CALLER,
                refusing.read(Map.of("ImageId", "ami-0123456789abcdef0", "DryRun", "true"))))).code());
        Ec2Action failing = Ec2Action.action("DeregisterImage", DeregisterImageRequest::builder,
                DeregisterImageResponse::builder).accepts("ImageId")
                .dryRunChecks(call -> Future.failedFuture(new AwsError(400, "InvalidAMIID.NotFound", "not yours")))
                .handledBy(call -> null);
        assertEquals("InvalidAMIID.NotFound", refusal(failing.run(new ActionCall(CALLER,
                failing.read(Map.of("ImageId", "ami-0123456789abcdef0", "DryRun", "true"))))).code());
    }

    @Test
    void aRefusalThrownByAHandlerIsTheSameAnswerAsOneItsFutureFailsWith() {
        AwsError missing = AwsError.missingParameter("ImageId");
        Ec2Action throwing = Ec2Action.action("DeregisterImage", DeregisterImageRequest::builder,
                DeregisterImageResponse::builder).accepts("ImageId").handledBy(call -> {
                    throw missing;
                });
        Ec2Action failing = Ec2Action.action("DeregisterImage", DeregisterImageRequest::builder,
                DeregisterImageResponse::builder).accepts("ImageId").handledBy(call -> Future.failedFuture(missing));
        ActionCall call = new ActionCall(CALLER, throwing.read(Map.of()));
        assertEquals(missing, refusal(throwing.run(call)));
        assertEquals(missing, refusal(failing.run(call)));
    }

    private static AwsError refusal(Future<?> answer) {
        assertTrue(answer.failed(), "refused");
        return assertInstanceOf(AwsError.class, answer.cause());
    }

    @Test
    void actionsOfEc2ThatAreNotHereAreUnsupportedOthersInvalid() {
        Ec2Actions actions = new Ec2Actions(List.<ActionFamily>of(() -> List.of(register)));
        assertEquals(register, actions.find("RegisterImage"));
        assertEquals("UnsupportedOperation", assertThrows(AwsError.class, () -> actions.find("CreateVpc")).code());
        assertEquals("InvalidAction", assertThrows(AwsError.class, () -> actions.find("MakeCoffee")).code());
        assertEquals("InvalidAction", assertThrows(AwsError.class, () -> actions.find("../../etc/passwd")).code());
    }
}
