package dev.imageregistry.launch.domain;

import java.util.Arrays;

/** EC2's instance states, with the codes DescribeInstances reports (the low byte of EC2's state code). */
public enum InstanceState {
    PENDING("pending", 0),
    RUNNING("running", 16),
    SHUTTING_DOWN("shutting-down", 32),
    TERMINATED("terminated", 48),
    STOPPING("stopping", 64),
    STOPPED("stopped", 80);

    private final String wire;
    private final int code;

    InstanceState(String wire, int code) {
        this.wire = wire;
        this.code = code;
    }

    public String wire() {
        return wire;
    }

    public int code() {
        return code;
    }

    /** The state a transitional state settles in by itself (pending, stopping, shutting-down). */
    public InstanceState settled() {
        return switch (this) {
            case PENDING -> RUNNING;
            case STOPPING -> STOPPED;
            case SHUTTING_DOWN -> TERMINATED;
            default -> this;
        };
    }

    public static InstanceState of(String wire) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(wire)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown instance state " + wire));
    }

    public static boolean isName(String wire) {
        return Arrays.stream(values()).anyMatch(s -> s.wire.equals(wire));
    }
}
