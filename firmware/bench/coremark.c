/*
 * CoreMark-like integer mix (our own code, after the shape of EEMBC CoreMark's kernels): a linked list
 * reversed, searched and sorted by insertion; a small integer matrix multiply with additions and shifts;
 * a state machine that scans a byte string for numbers; all results folded into a CRC-16.
 */
#include <stdint.h>

#define NODES 64
#define N 12
#define ROUNDS 4000

struct node {
    struct node *next;
    int32_t value;
    int32_t index;
};

static struct node pool[NODES];
static int16_t ma[N * N], mb[N * N];
static int32_t mc[N * N];
static const char text[] = "5012,1.25e3,-17,x77,0x1f,+9,42e,3.14,,880,-0,99999,1e-2,abc,12.5.6,7";

static uint16_t crc16(uint16_t crc, uint32_t data)
{
    for (int i = 0; i < 32; i++) {
        uint16_t bit = (uint16_t)((crc ^ data) & 1);
        crc >>= 1;
        data >>= 1;
        if (bit) crc ^= 0xa001;
    }
    return crc;
}

static struct node *list_build(uint32_t seed)
{
    struct node *head = 0;
    for (int i = 0; i < NODES; i++) {
        seed = seed * 1103515245u + 12345u;
        pool[i].value = (int32_t)(seed >> 8) & 0xffff;
        pool[i].index = i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static struct node *list_reverse(struct node *head)
{
    struct node *prev = 0;
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static struct node *list_sort(struct node *head)
{
    struct node *sorted = 0;
    while (head) {
        struct node *n = head, **p = &sorted;
        head = head->next;
        while (*p && (*p)->value < n->value) p = &(*p)->next;
        n->next = *p;
        *p = n;
    }
    return sorted;
}

static int32_t list_find(struct node *head, int32_t value)
{
    for (; head; head = head->next)
        if (head->value == value) return head->index;
    return -1;
}

static uint16_t matrix(uint16_t crc, int16_t k)
{
    for (int i = 0; i < N * N; i++) {
        ma[i] = (int16_t)(ma[i] + k);
        mb[i] = (int16_t)(mb[i] ^ k);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t s = 0;
            for (int x = 0; x < N; x++) s += (int32_t)ma[i * N + x] * mb[x * N + j];
            mc[i * N + j] = s;
            crc = crc16(crc, (uint32_t)(s >> 2));
        }
    return crc;
}

enum state { START, SIGN, INT, FRAC, EXP_START, EXP, INVALID };

static uint16_t scan(uint16_t crc)
{
    enum state s = START;
    uint32_t counts[INVALID + 1] = {0};
    for (const char *p = text;; p++) {
        char c = *p;
        if (c == ',' || c == 0) {
            counts[s]++;
            s = START;
            if (c == 0) break;
            continue;
        }
        switch (s) {
        case START: s = (c == '+' || c == '-') ? SIGN : (c >= '0' && c <= '9') ? INT : c == '.' ? FRAC : INVALID; break;
        case SIGN: s = (c >= '0' && c <= '9') ? INT : INVALID; break;
        case INT: s = (c >= '0' && c <= '9') ? INT : c == '.' ? FRAC : (c == 'e' || c == 'E') ? EXP_START : INVALID; break;
        case FRAC: s = (c >= '0' && c <= '9') ? FRAC : (c == 'e' || c == 'E') ? EXP_START : INVALID; break;
        case EXP_START: s = (c >= '0' && c <= '9') || c == '-' || c == '+' ? EXP : INVALID; break;
        case EXP: s = (c >= '0' && c <= '9') ? EXP : INVALID; break;
        default: break;
        }
    }
    for (int i = 0; i <= INVALID; i++) crc = crc16(crc, counts[i]);
    return crc;
}

int main(void)
{
    uint16_t crc = 0;
    for (int i = 0; i < N * N; i++) {
        ma[i] = (int16_t)(i * 7 - 50);
        mb[i] = (int16_t)(i * 3 + 1);
    }
    for (uint32_t r = 0; r < ROUNDS; r++) {
        struct node *head = list_build(r + 1);
        head = list_reverse(head);
        crc = crc16(crc, (uint32_t)list_find(head, pool[r % NODES].value));
        head = list_sort(head);
        crc = crc16(crc, (uint32_t)head->value);
        crc = matrix(crc, (int16_t)r);
        crc = scan(crc);
    }
    return crc == 0 ? 1 : 0; /* keep the result live */
}
