/* Interrupt and resume: a run stopped after step 7 (as Ctrl-C does: checkpoint + exit 130)
   and resumed with --resume ends with the same adapter bytes as an uninterrupted run, with
   LoRA dropout on (so the RNG state must be restored too), gradient accumulation, warm-up and
   a cosine schedule. Also: a checkpoint from another target set is refused. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>
#include <sys/wait.h>

static int same_file(const char *a, const char *b) {
    FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
    int same = f && g, ca, cb;
    while (same) {
        ca = fgetc(f); cb = fgetc(g);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (f) fclose(f);
    if (g) fclose(g);
    return same;
}

#define COMMON "build/lora-finetune --preset tiny --data data/qa_train.jsonl --val-split 0.1 --val-batches 1 " \
               "--targets c_attn,c_fc --r 4 --alpha 8 --dropout 0.1 --batch 2 --seq 32 --grad-accum 2 --steps 12 " \
               "--lr 5e-3 --warmup 3 --schedule cosine --seed 5 --threads 2 --quiet "

int main(void) {
    int rc;
    rc = system("rm -rf build/test_resume_full build/test_resume_cut");
    rc = system(COMMON "--adapter-out build/test_resume_full");
    CHECK(rc == 0);
    rc = system(COMMON "--adapter-out build/test_resume_cut --stop-after 7 2> build/test_resume_cut.err");
    CHECK_MSG(WEXITSTATUS(rc) == 130, "interrupted run exit status %d", WEXITSTATUS(rc));
    {
        FILE *f = fopen("build/test_resume_cut/checkpoint/trainer_state.bin", "rb");
        CHECK(f != NULL);
        if (f) fclose(f);
    }
    rc = system(COMMON "--adapter-out build/test_resume_cut --resume build/test_resume_cut/checkpoint");
    CHECK(rc == 0);
    CHECK(same_file("build/test_resume_full/adapter_model.safetensors", "build/test_resume_cut/adapter_model.safetensors"));
    CHECK(same_file("build/test_resume_full/adapter_config.json", "build/test_resume_cut/adapter_config.json"));
    /* a checkpoint of other targets does not fit: clear error, exit 1 */
    rc = system("build/lora-finetune --preset tiny --data data/qa_train.jsonl --targets c_attn --r 4 --batch 2 --seq 32 --steps 2 "
                "--adapter-out build/test_resume_other --resume build/test_resume_cut/checkpoint --quiet 2> build/test_resume_other.err");
    CHECK(WEXITSTATUS(rc) == 1);
    {
        FILE *f = fopen("build/test_resume_other.err", "r");
        char buf[512] = "";
        if (f) { if (!fgets(buf, sizeof buf, f)) buf[0] = 0; fclose(f); }
        CHECK_MSG(strstr(buf, "trainer_state.bin") != NULL, "message: %s", buf);
    }
    return TEST_END();
}
