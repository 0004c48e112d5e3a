/* lora_exact_match and lora_evaluate through the model interface: items whose expected answer
   is the model's own greedy output (then the end-of-text token) count as correct, perturbed
   ones do not; prompts, skipped samples, limits and the callback behave as documented. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"

#define V 60
#define EOS 59

typedef struct { int calls, correct; } seen;
static int on_item(void *user, int64_t index, const int32_t *prompt, int n_prompt, const int32_t *expected, int n_expected,
                   const int32_t *got, int n_got, int correct) {
    seen *s = (seen *)user;
    (void)index; (void)prompt; (void)n_prompt; (void)expected; (void)n_expected; (void)got; (void)n_got;
    s->calls++;
    s->correct += correct;
    return 0;
}
static int stop_at_two(void *user, int64_t index, const int32_t *p, int np, const int32_t *e, int ne, const int32_t *g,
                       int ng, int c) {
    (void)user; (void)p; (void)np; (void)e; (void)ne; (void)g; (void)ng; (void)c;
    return index == 1;
}

int main(void) {
    gpt2_config cfg;
    gpt2_model *g;
    lora_model *m;
    int32_t toks[200], labs[200], out[16];
    lora_sampler greedy = lora_sampler_init();
    lora_dataset *ds = NULL;
    lora_exact_match_result r;
    lora_eval_result ev;
    seen sn = {0, 0};
    size_t n = 0;
    int i, k, n_out;
    CHECK_OK(gpt2_config_preset("tiny", &cfg));
    cfg.vocab_size = V;
    cfg.n_positions = 32;
    CHECK_OK(gpt2_model_create(&cfg, NULL, &g));
    gpt2_model_init_random(g, 7);
    m = gpt2_model_base(g);
    /* eos comes from the model: GPT-2's 50256 is outside this vocabulary, so none */
    CHECK(lora_model_get_info(m)->eos == -1);
    CHECK_OK(lora_data_from_tokens((const int32_t[]){1, 2, 3}, (const int32_t[]){-100, 2, 3}, 3, -1, &ds));
    CHECK_ERR(lora_exact_match(m, ds, 0, NULL, NULL, &r), LORA_ERR_INVALID_ARG);
    lora_data_free(ds); ds = NULL;
    gpt2_model_free(g);

    /* a model whose vocabulary holds GPT-2's end-of-text id */
    cfg.vocab_size = GPT2_EOT + 1;
    CHECK_OK(gpt2_model_create(&cfg, NULL, &g));
    gpt2_model_init_random(g, 7);
    m = gpt2_model_base(g);
    CHECK(lora_model_get_info(m)->eos == GPT2_EOT);
    greedy.greedy = 1;
    /* items: 4 prompts; the answer of items 0 and 2 is the greedy continuation, of item 1 a
       wrong token, of item 3 the right tokens without the stop; plus a sample with no prompt */
    for (k = 0; k < 4; k++) {
        int32_t prompt[3] = {10 + k, 20 + 2 * k, 30 + k};
        int want = 3;
        CHECK_OK(lora_generate(m, prompt, 3, want, &greedy, 0, out, &n_out, NULL, NULL));
        for (i = 0; i < 3; i++) { toks[n] = prompt[i]; labs[n++] = LORA_IGNORE_LABEL; }
        for (i = 0; i < n_out; i++) { toks[n] = out[i] + (k == 1 && i == 1); labs[n] = toks[n]; n++; }
        if (k != 3) { toks[n] = GPT2_EOT; labs[n++] = GPT2_EOT; }
        else { toks[n] = 7; labs[n] = 7; n++; toks[n] = GPT2_EOT; labs[n++] = GPT2_EOT; }
    }
    for (i = 0; i < 4; i++) { toks[n] = 40 + i; labs[n] = toks[n]; n++; }  /* text only: skipped */
    toks[n] = GPT2_EOT; labs[n++] = GPT2_EOT;
    CHECK_OK(lora_data_from_tokens(toks, labs, n, GPT2_EOT, &ds));
    CHECK(ds->n_samples == 5);
    /* the greedy continuation only stops where the model itself emits the end-of-text token:
       items 0 and 2 are correct exactly when that happens right after the 3 tokens */
    {
        int expect = 0;
        for (k = 0; k < 4; k += 2) {
            int32_t prompt[3] = {10 + k, 20 + 2 * k, 30 + k};
            CHECK_OK(lora_generate(m, prompt, 3, 4, &greedy, 0, out, &n_out, NULL, NULL));
            expect += n_out == 4 && out[3] == GPT2_EOT;
        }
        CHECK_OK(lora_exact_match(m, ds, 0, on_item, &sn, &r));
        CHECK(r.items == 4);
        CHECK_MSG(r.correct == expect, "correct %lld, expected %d", (long long)r.correct, expect);
        CHECK(sn.calls == 4 && sn.correct == expect);
    }
    /* a model trained to stop: an adapter would do; here the expected answer is rewritten as
       what the model says until it stops, so every such item is correct */
    lora_data_free(ds); ds = NULL;
    n = 0;
    for (k = 0; k < 3; k++) {
        int32_t prompt[2] = {3 + k, 5 + k};
        int got_eot = 0;
        CHECK_OK(lora_generate(m, prompt, 2, 12, &greedy, 1, out, &n_out, NULL, NULL));
        got_eot = n_out < 12;
        for (i = 0; i < 2; i++) { toks[n] = prompt[i]; labs[n++] = LORA_IGNORE_LABEL; }
        for (i = 0; i < n_out; i++) { toks[n] = out[i]; labs[n] = out[i]; n++; }
        toks[n] = GPT2_EOT; labs[n++] = GPT2_EOT;
        (void)got_eot;
    }
    CHECK_OK(lora_data_from_tokens(toks, labs, n, GPT2_EOT, &ds));
    CHECK_OK(lora_exact_match(m, ds, 0, NULL, NULL, &r));
    CHECK(r.items == 3);
    {
        /* count the ones that stopped within 12 tokens: those match */
        int stops = 0;
        for (k = 0; k < 3; k++) {
            int32_t prompt[2] = {3 + k, 5 + k};
            CHECK_OK(lora_generate(m, prompt, 2, 12, &greedy, 1, out, &n_out, NULL, NULL));
            stops += n_out < 12;
        }
        CHECK_MSG(r.correct == stops, "correct %lld vs %d stopping", (long long)r.correct, stops);
    }
    /* a model that always says the end-of-text token first: the final LayerNorm gives the same
       vector u at every position (weight 0, bias u) and the tied embedding row of EOS is u:
       empty answers are correct, any other answer is not */
    {
        int64_t nw, nb, ne;
        float *lw = gpt2_model_param(g, "ln_f.weight", &nw), *lb = gpt2_model_param(g, "ln_f.bias", &nb);
        float *wte = gpt2_model_param(g, "wte.weight", &ne);
        int C = cfg.n_embd;
        CHECK(lw && lb && wte && nw == C);
        for (i = 0; i < C; i++) { lw[i] = 0.0f; lb[i] = (i % 3) ? 1.0f : -1.0f; wte[(size_t)GPT2_EOT * C + i] = 10.0f * lb[i]; }
        lora_data_free(ds); ds = NULL;
        n = 0;
        for (k = 0; k < 3; k++) {
            toks[n] = 3 + k; labs[n++] = LORA_IGNORE_LABEL;
            if (k == 1) { toks[n] = 4; labs[n] = 4; n++; }       /* expects a token before the stop */
            toks[n] = GPT2_EOT; labs[n++] = GPT2_EOT;
        }
        CHECK_OK(lora_data_from_tokens(toks, labs, n, GPT2_EOT, &ds));
        CHECK_OK(lora_exact_match(m, ds, 0, NULL, NULL, &r));
        CHECK(r.items == 3);
        CHECK_MSG(r.correct == 2, "correct %lld of 3, expected 2", (long long)r.correct);
        /* the stop is required: a sample without an end-of-text token expects the model to stop
           after its tokens too */
    }
    /* limits and the callback */
    CHECK_OK(lora_exact_match(m, ds, 2, NULL, NULL, &r));
    CHECK(r.items == 2);
    CHECK_ERR(lora_exact_match(m, ds, 0, stop_at_two, NULL, &r), LORA_ERR_CANCELLED);
    CHECK(r.items == 2);
    CHECK_ERR(lora_exact_match(NULL, ds, 0, NULL, NULL, &r), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_exact_match(m, NULL, 0, NULL, NULL, &r), LORA_ERR_INVALID_ARG);

    /* lora_evaluate equals one forward over the same batch */
    {
        float loss;
        int32_t in[2 * 8], lab[2 * 8];
        size_t pos = 0;
        lora_data_free(ds); ds = NULL;
        for (i = 0; i < 40; i++) { toks[i] = (i * 7) % 50; labs[i] = i % 5 == 0 ? LORA_IGNORE_LABEL : toks[i]; }
        CHECK_OK(lora_data_from_tokens(toks, labs, 40, -1, &ds));
        CHECK_OK(lora_evaluate(m, ds, 2, 8, 1, &ev));
        CHECK_OK(lora_data_batch(ds, &pos, 2, 8, in, lab));
        CHECK_OK(lora_model_forward(m, in, lab, 2, 8, &loss));
        CHECK_NEAR(ev.loss, loss, 1e-6 * fabs(loss));
        CHECK(ev.batches == 1);
        CHECK_NEAR(ev.perplexity, exp(ev.loss), 1e-9 * ev.perplexity);
        CHECK_OK(lora_evaluate(m, ds, 2, 8, 0, &ev));
        CHECK(ev.batches == 2);
        CHECK_ERR(lora_evaluate(m, ds, 2, 64, 0, &ev), LORA_ERR_RANGE);
        CHECK_ERR(lora_evaluate(m, ds, 0, 8, 0, &ev), LORA_ERR_INVALID_ARG);
    }
    lora_data_free(ds);
    gpt2_model_free(g);
    return TEST_END();
}
