/* A C stand-in for a Rust crate with the inventory of basic.json, for the ctypes backend's behavioural test. */
#include <math.h>
#include <stdlib.h>

#include "basic.h"

struct Counter {
    uint64_t value;
};

static Vec2 points[2] = {{1.0f, 2.0f}, {3.0f, 4.0f}};
static Vec2 the_origin = {0.0f, 0.0f};
static Counter *last_created = NULL;

uint64_t basic_api_guard(void) { return BASIC_API_HASH; }
uint32_t basic_add(uint32_t a, uint32_t b) { return a + b; }
void basic_noop(void) {}
Vec2 basic_scale(Vec2 v, float factor) {
    Vec2 out = {v.x * factor, v.y * factor};
    return out;
}
double basic_length(const Vec2 *v) { return sqrt((double)v->x * v->x + (double)v->y * v->y); }
void basic_normalize(Vec2 *v) {
    double n = basic_length(v);
    v->x = (float)(v->x / n);
    v->y = (float)(v->y / n);
}
double basic_length_or_zero(const Vec2 *v) { return v ? basic_length(v) : 0.0; }
const Vec2 *basic_origin(void) { return &the_origin; }
const Vec2 *basic_find(size_t index) { return index < 2 ? &points[index] : NULL; }
Color basic_next_color(Color color) {
    switch (color) {
    case Color_Red: return Color_Green;
    case Color_Green: return Color_Blue;
    default: return Color_Red;
    }
}
Counter *basic_counter_new(uint64_t start) {
    Counter *c = (Counter *)malloc(sizeof(Counter));
    c->value = start;
    last_created = c;
    return c;
}
uint64_t basic_counter_get(const Counter *counter) { return counter->value; }
void basic_counter_add(Counter *counter, uint64_t amount) { counter->value += amount; }
uint64_t basic_counter_get_or(const Counter *counter, uint64_t default_) { return counter ? counter->value : default_; }
const Counter *basic_counter_find(uint64_t value) {
    return last_created && last_created->value == value ? last_created : NULL;
}
void basic_counter_free(Counter *counter) {
    if (counter == last_created) last_created = NULL;
    free(counter);
}
uint64_t basic_counter_take(Counter *counter, uint64_t extra) {
    uint64_t value = counter->value + extra;
    basic_counter_free(counter);
    return value;
}
double basic_line_length(const Line *line) {
    Vec2 d = {line->end.x - line->start.x, line->end.y - line->start.y};
    return basic_length(&d);
}
Line basic_make_line(Vec2 start, Vec2 end, Color color) {
    Line line = {start, end, color, true, NULL};
    return line;
}
bool basic_is_positive(int8_t value) { return value > 0; }
