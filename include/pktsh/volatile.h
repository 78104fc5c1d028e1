/*
 * volatile.h - scapy's volatile values: RandShort(), RandIP("198.18.0.0/15"),
 * RandString(8), RandChoice(1, 2, 3)...
 *
 * A volatile value stands for "a fresh random value each time it is
 * used". It prints as `<RandShort>`; str(), int(), bytes(), len(),
 * arithmetic, comparisons and attribute access act on a value drawn for
 * that one use (`RandShort() + 1` is an int). Put in a packet field it
 * stays a volatile (`IP(id=RandShort())` shows `<IP  id=<RandShort> |>`
 * and p.id gives the volatile back), and every build of the packet draws
 * anew, as scapy does.
 *
 * Randomness: one xoshiro256** generator per VM, seeded from getrandom()
 * (the clock and pid if that fails). Not for cryptography. For
 * reproducible runs set PKTSH_SEED=<unsigned decimal> in the environment
 * before the VM is made, or call pk_volatile_seed().
 *
 * Limits: sizes (RandString, RandBin) may not exceed
 * PK_VOLATILE_MAX_SIZE bytes; larger or negative sizes raise ValueError
 * when the value is made, so a typo never allocates gigabytes later.
 * Integers are pktsh's 64-bit signed ints: RandLong() draws 0..2**63-1.
 *
 * Ownership follows value.h.
 */
#ifndef PKTSH_VOLATILE_H
#define PKTSH_VOLATILE_H

#include <stdbool.h>
#include <stdint.h>

#include "pktsh/buf.h"
#include "pktsh/value.h"

struct pk_vm;

/* Largest size RandString/RandBin accept (16 MiB: any packet fits). */
#define PK_VOLATILE_MAX_SIZE ((int64_t)1 << 24)

/*
 * Register RandShort, RandInt, RandLong, RandByte, RandSShort, RandSInt,
 * RandSLong, RandSByte, RandNum, RandIP, RandIP6, RandMAC, RandString,
 * RandBin, RandChoice and RandEnumKeys as builtins, and seed the VM's
 * generator (PKTSH_SEED or getrandom()).
 */
int pk_volatile_register(struct pk_vm *vm);

/* Whether v is a volatile value. */
bool pk_is_volatile(pk_val v);

/*
 * Draw one concrete value from volatile v into *out (a new reference):
 * an int (numbers, RandChoice of ints), a bytes (RandString, RandBin), a
 * str (RandIP "198.18.3.7", RandIP6, RandMAC "02:1a:..."), or whatever
 * RandChoice/RandEnumKeys hold (a volatile among them is drawn in turn).
 * A non-volatile v is returned as is (incref), so callers need not test
 * first. -1 with an exception only on OOM or runaway nesting.
 */
int pk_volatile_draw(struct pk_vm *vm, pk_val v, pk_val *out);

/*
 * Append the call that makes v, as scapy's command() prints it
 * ("RandNum(min=1, max=5)"), for a packet's command(); the repr of any
 * other value. -1 with an exception on error.
 */
int pk_volatile_command(struct pk_vm *vm, pk_val v, struct pk_buf *out);

/*
 * Seed the VM's generator: the same seed gives the same draws in the
 * same order. -1 with MemoryError if the VM has no generator yet and
 * one cannot be allocated.
 */
int pk_volatile_seed(struct pk_vm *vm, uint64_t seed);

#endif
