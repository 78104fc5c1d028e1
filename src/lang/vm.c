/*
 * vm.c - the session: globals, output, errors, interrupts, call depth and
 * module slots. Running code is in eval.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "lang.h"

volatile sig_atomic_t pk_interrupted;
static void (*interrupt_hook)(void *);
static void *interrupt_ctx;

static void write_stdout(void *ctx, const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

static void write_stderr(void *ctx, const char *s, size_t len)
{
	fwrite(s, 1, len, stderr);
}

static size_t stack_budget(void)
{
	struct rlimit rl;
	size_t b = 6u << 20;

	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 * 3 < b)
		b = (size_t)(rl.rlim_cur / 4 * 3);
	if (b < (256u << 10))
		b = 256u << 10;
	return b;
}

struct pk_vm *pk_vm_new(void)
{
	struct pk_vm *vm = pk_xcalloc(1, sizeof(*vm));
	struct pk_exc *e;
	pk_val msg, args;

	if (!vm)
		return NULL;
	vm->out = write_stdout;
	vm->errout = write_stderr;
	vm->exc = vm->nomem = vm->handling = pk_undef();
	vm->maxdepth = 1000;
	vm->ticks = vm->tick_period = PK_TICK_PERIOD;
	vm->stack_base = __builtin_frame_address(0);
	vm->stack_budget = stack_budget();
	pk_buf_init(&vm->err_msg, 0);
	vm->stk = pk_xmalloc(PK_STACK_MAX * sizeof(pk_val));
	if (!vm->stk)
		goto fail;
	/* MemoryError must be raisable without allocating */
	msg = pk_str_new(NULL, "", 0);
	if (pk_is_undef(msg))
		goto fail;
	args = pk_tuple_new(vm, 0);
	e = pk_obj_alloc(&pk_type_exc, sizeof(*e));
	if (pk_is_undef(args) || !e) {
		pk_decref(args);
		if (e)
			pk_decref(pk_obj_take(e));
		goto fail;
	}
	e->type = &pk_exc_MemoryError;
	e->msg = msg;
	e->arg = pk_undef();
	e->args = args;
	vm->nomem = pk_obj_take(e);
	if (pk_lang_register(vm) < 0)
		goto fail;
	pk_vm_clear_error(vm);
	return vm;
fail:
	pk_vm_free(vm);
	return NULL;
}

void pk_vm_free(struct pk_vm *vm)
{
	size_t i;

	if (!vm)
		return;
	for (i = 0; i < vm->gcount; i++)
		pk_val_set(&vm->gorder[i]->v, pk_undef());
	for (i = 0; i < vm->gcount; i++)
		pk_xfree(vm->gorder[i]);
	pk_xfree(vm->gorder);
	pk_xfree(vm->gtab);
	pk_decref(vm->exc);
	pk_decref(vm->handling);
	for (i = vm->nmods; i-- > 0;)
		if (vm->mods[i].free_fn)
			vm->mods[i].free_fn(vm->mods[i].data);
	pk_xfree(vm->mods);
	pk_decref(vm->nomem);
	/* the cycles the session made die with it */
	pk_gc_collect();
	pk_xfree(vm->stk);
	pk_buf_release(&vm->err_msg);
	pk_xfree(vm);
}

/* ------------------------------------------------------------------ */
/* output                                                              */

void pk_vm_set_output(struct pk_vm *vm, pk_write_fn fn, void *ctx)
{
	vm->out = fn ? fn : write_stdout;
	vm->out_ctx = ctx;
}

void pk_vm_write(struct pk_vm *vm, const char *s, size_t len)
{
	if (len)
		vm->out(vm->out_ctx, s, len);
}

void pk_vm_printf(struct pk_vm *vm, const char *fmt, ...)
{
	struct pk_buf b = PK_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	pk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	pk_vm_write(vm, b.buf, b.len);
	pk_buf_release(&b);
}

void pk_vm_set_errout(struct pk_vm *vm, pk_write_fn fn, void *ctx)
{
	vm->errout = fn ? fn : write_stderr;
	vm->err_ctx = ctx;
}

void pk_vm_warn(struct pk_vm *vm, const char *fmt, ...)
{
	struct pk_buf b = PK_BUF_INIT;
	va_list ap;

	pk_buf_addstr(&b, "WARNING: ");
	va_start(ap, fmt);
	pk_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	pk_buf_addch(&b, '\n');
	vm->errout(vm->err_ctx, b.buf, b.len);
	pk_buf_release(&b);
}

/* ------------------------------------------------------------------ */
/* globals                                                             */

static size_t ptr_slot(const void *p, size_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 17;
	x *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 20) & mask;
}

static struct pk_gslot *gfind(struct pk_vm *vm, struct pk_str *name)
{
	size_t i, mask;

	if (!vm->gcap)
		return NULL;
	mask = vm->gcap - 1;
	for (i = ptr_slot(name, mask); vm->gtab[i]; i = (i + 1) & mask)
		if (vm->gtab[i]->name == name)
			return vm->gtab[i];
	return NULL;
}

struct pk_gslot *pk_vm_gslot(struct pk_vm *vm, struct pk_str *name)
{
	struct pk_gslot *g = gfind(vm, name);
	size_t i, mask;

	if (g)
		return g;
	if ((vm->gcount + 1) * 2 > vm->gcap) {
		size_t ncap = vm->gcap ? vm->gcap * 2 : 512, j;
		struct pk_gslot **nt = pk_xcalloc(ncap, sizeof(*nt));

		if (!nt)
			return NULL;
		for (j = 0; j < vm->gcap; j++) {
			if (!vm->gtab[j])
				continue;
			i = ptr_slot(vm->gtab[j]->name, ncap - 1);
			while (nt[i])
				i = (i + 1) & (ncap - 1);
			nt[i] = vm->gtab[j];
		}
		pk_xfree(vm->gtab);
		vm->gtab = nt;
		vm->gcap = ncap;
	}
	if (vm->gcount + 1 >= vm->gorder_cap) {
		size_t ncap = vm->gorder_cap ? vm->gorder_cap * 2 : 256;
		struct pk_gslot **no =
		    pk_xrealloc(vm->gorder, ncap * sizeof(*no));

		if (!no)
			return NULL;
		memset(no + vm->gorder_cap, 0,
		       (ncap - vm->gorder_cap) * sizeof(*no));
		vm->gorder = no;
		vm->gorder_cap = ncap;
	}
	g = pk_xmalloc(sizeof(*g));
	if (!g)
		return NULL;
	g->name = name;
	g->v = pk_undef();
	mask = vm->gcap - 1;
	for (i = ptr_slot(name, mask); vm->gtab[i]; i = (i + 1) & mask)
		;
	vm->gtab[i] = g;
	vm->gorder[vm->gcount++] = g;
	return g;
}

int pk_vm_set_global(struct pk_vm *vm, const char *name, pk_val v)
{
	struct pk_str *n = pk_intern(name, strlen(name));
	struct pk_gslot *g = n ? pk_vm_gslot(vm, n) : NULL;

	if (!g)
		return pk_raise_nomem(vm);
	pk_val_set(&g->v, v);
	return 0;
}

pk_val pk_vm_get_global(struct pk_vm *vm, const char *name)
{
	struct pk_str *n = pk_intern(name, strlen(name));
	struct pk_gslot *g = n ? gfind(vm, n) : NULL;

	return g ? g->v : pk_undef();
}

int pk_vm_add_builtins(struct pk_vm *vm, const struct pk_method *table)
{
	for (; table->name; table++) {
		pk_val f = pk_cfunc_new(vm, table, pk_undef());
		int r;

		if (pk_is_undef(f))
			return -1;
		r = pk_vm_set_global(vm, table->name, f);
		pk_decref(f);
		if (r < 0)
			return -1;
	}
	return 0;
}

void pk_vm_globals(struct pk_vm *vm, void (*add)(void *ctx, const char *name),
                   void *ctx)
{
	size_t i;

	for (i = 0; i < vm->gcount; i++)
		if (!pk_is_undef(vm->gorder[i]->v))
			add(ctx, vm->gorder[i]->name->s);
}

/* ------------------------------------------------------------------ */
/* errors                                                              */

void pk_vm_error(struct pk_vm *vm, struct pk_error_info *info)
{
	info->file = vm->err_file;
	info->line = vm->err_line;
	info->col = vm->err_col;
	info->exc_name = vm->err_exc;
	info->message = vm->err_msg.buf;
	info->is_syntax = vm->err_syntax;
}

void pk_vm_format_error(struct pk_vm *vm, struct pk_buf *out)
{
	if (!vm->has_error)
		return;
	pk_buf_addstr(out, vm->err_file[0] ? vm->err_file : "<unknown>");
	if (vm->err_line > 0)
		pk_buf_addf(out, ":%d:%d", vm->err_line, vm->err_col);
	pk_buf_addstr(out, ": error: ");
	if (vm->err_syntax) {
		pk_buf_add(out, vm->err_msg.buf, vm->err_msg.len);
		return;
	}
	pk_buf_addstr(out, vm->err_exc);
	if (vm->err_msg.len) {
		pk_buf_addstr(out, ": ");
		pk_buf_add(out, vm->err_msg.buf, vm->err_msg.len);
	}
}

int pk_vm_exit_code(struct pk_vm *vm)
{
	return vm->exit_code;
}

void pk_vm_clear_error(struct pk_vm *vm)
{
	pk_decref(vm->exc);
	vm->exc = pk_undef();
	vm->exc_pos = false;
	vm->has_error = false;
	vm->err_syntax = false;
	vm->err_line = vm->err_col = 0;
	vm->err_file[0] = 0;
	vm->err_exc[0] = 0;
	pk_buf_reset(&vm->err_msg);
}

pk_val pk_vm_exception(struct pk_vm *vm)
{
	return vm->exc;
}

/* ------------------------------------------------------------------ */
/* interrupts, depth                                                   */

void pk_interrupt(void)
{
	pk_interrupted = 1;
	if (interrupt_hook)
		interrupt_hook(interrupt_ctx);
}

int pk_check_interrupt(struct pk_vm *vm)
{
	if (!pk_interrupted)
		return 0;
	pk_interrupted = 0;
	return pk_raise(vm, &pk_exc_KeyboardInterrupt, "%s", "");
}

/*
 * The slow half of pk_vm_tick(): every tick_period steps (or at once on
 * Ctrl-C) account the steps, enforce the budget and run the cycle
 * collector when due.
 */
int pk_vm_poll(struct pk_vm *vm)
{
	int64_t period = PK_TICK_PERIOD;

	if (pk_interrupted && pk_check_interrupt(vm) < 0)
		return -1;
	if (vm->ticks > 0)
		return 0;
	vm->steps += (uint64_t)(vm->tick_period - vm->ticks);
	if (vm->step_budget) {
		if (vm->steps >= vm->step_budget) {
			/* every later step fails too: `except` cannot escape */
			vm->ticks = vm->tick_period = 1;
			vm->steps = vm->step_budget;
			return pk_raise(vm, &pk_exc_RuntimeError,
			                "step budget exhausted (%llu steps)",
			                (unsigned long long)vm->step_budget);
		}
		if (vm->step_budget - vm->steps < (uint64_t)period)
			period = (int64_t)(vm->step_budget - vm->steps);
	}
	vm->ticks = vm->tick_period = period;
	if (pk_gc_due())
		pk_gc_collect();
	return 0;
}

void pk_vm_set_step_budget(struct pk_vm *vm, uint64_t steps)
{
	vm->steps = 0;
	vm->step_budget = steps;
	vm->ticks = vm->tick_period =
	    steps && steps < PK_TICK_PERIOD ? (int64_t)steps : PK_TICK_PERIOD;
}

uint64_t pk_vm_steps(struct pk_vm *vm)
{
	return vm->steps + (uint64_t)(vm->tick_period - vm->ticks);
}

void pk_set_interrupt_hook(void (*hook)(void *), void *ctx)
{
	interrupt_hook = hook;
	interrupt_ctx = ctx;
}

bool pk_stack_overflow(struct pk_vm *vm)
{
	char *p = __builtin_frame_address(0);
	size_t used = p < vm->stack_base ? (size_t)(vm->stack_base - p)
	                                 : (size_t)(p - vm->stack_base);

	return used > vm->stack_budget;
}

int pk_vm_enter(struct pk_vm *vm)
{
	if (vm->depth >= vm->maxdepth || pk_stack_overflow(vm))
		return pk_raise(vm, &pk_exc_RecursionError,
		                "maximum recursion depth exceeded");
	vm->depth++;
	return 0;
}

void pk_vm_leave(struct pk_vm *vm)
{
	vm->depth--;
}

/* ------------------------------------------------------------------ */
/* module slots                                                        */

void *pk_vm_module_data(struct pk_vm *vm, const void *key)
{
	size_t i;

	for (i = 0; i < vm->nmods; i++)
		if (vm->mods[i].key == key)
			return vm->mods[i].data;
	return NULL;
}

int pk_vm_set_module_data(struct pk_vm *vm, const void *key, void *data,
                          void (*free_fn)(void *))
{
	struct pk_modslot *m;
	size_t i;

	for (i = 0; i < vm->nmods; i++)
		if (vm->mods[i].key == key) {
			if (vm->mods[i].free_fn && vm->mods[i].data != data)
				vm->mods[i].free_fn(vm->mods[i].data);
			vm->mods[i].data = data;
			vm->mods[i].free_fn = free_fn;
			return 0;
		}
	m = pk_xrealloc(vm->mods, (vm->nmods + 1) * sizeof(*m));
	if (!m)
		return pk_raise_nomem(vm);
	vm->mods = m;
	m[vm->nmods].key = key;
	m[vm->nmods].data = data;
	m[vm->nmods].free_fn = free_fn;
	vm->nmods++;
	return 0;
}
