#pragma once

/// Marks the symbols of the public interface; everything else is hidden.
#if defined(_WIN32)
#define CONDUCTOR_EXPORT
#else
#define CONDUCTOR_EXPORT __attribute__((visibility("default")))
#endif
