package dev.imageregistry.platform.errors;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

class Ec2ErrorMappersTest {
    @Test
    void aDeadlockVictimOrSerializationFailureDeepInTheCauseChainIsRetryable() {
        assertTrue(Ec2ErrorMappers.lostToAConcurrentTransaction(
                new IllegalStateException("wrapped", new RuntimeException(new SQLException("deadlock detected", "40P01")))));
        assertTrue(Ec2ErrorMappers.lostToAConcurrentTransaction(new SQLException("could not serialize", "40001")));
    }

    @Test
    void otherDatabaseFailuresAreNot() {
        assertFalse(Ec2ErrorMappers.lostToAConcurrentTransaction(new SQLException("duplicate key", "23505")));
        assertFalse(Ec2ErrorMappers.lostToAConcurrentTransaction(new IllegalStateException("no cause")));
    }
}
