/* A C stand-in for a Rust crate with the inventory of tagged.json, for the ctypes backend's behavioural test. */
#include "tagged.h"

uint64_t tagged_api_guard(void) { return TAGGED_API_HASH; }
Shape grow(Shape shape, float by) {
    if (shape.tag == Shape_Circle) shape.payload.Circle.radius += by;
    return shape;
}
uint32_t tags(const Shape *shape, const Shape *next) { return shape->tag * 256u + (next ? next->tag : 255u); }
tagged_option_Shape scene_maybe(const Scene *scene) { return scene->maybe; }
Scene make_scene(Shape shape, tagged_option_Shape maybe, Event event) {
    Scene scene;
    scene.shape = shape;
    scene.maybe = maybe;
    scene.events[0] = event;
    scene.events[1].tag = Event_Quit;
    return scene;
}
Shape bad_shape(void) {
    Shape shape = {0};
    shape.tag = 3;
    return shape;
}
