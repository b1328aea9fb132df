package dev.imageregistry.snapshot.domain;

/** A snapshot's state as EC2 names it; deleted is the end of its history (no row, no API answer but NotFound). */
public enum SnapshotState {
    PENDING("pending"), COMPLETED("completed"), ERROR("error"), DELETED("deleted");

    private final String wire;

    SnapshotState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static SnapshotState of(String wire) {
        for (SnapshotState state : values()) {
            if (state.wire.equals(wire)) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown snapshot state " + wire);
    }
}
