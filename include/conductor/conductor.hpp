#pragma once

/// The one include a host needs.
#include <conductor/clock.hpp>
#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>
#include <conductor/logger.hpp>
#include <conductor/metadata_service.hpp>
#include <conductor/model.hpp>
#include <conductor/run_watch.hpp>
#include <conductor/storage/sqlite.hpp>
#include <conductor/storage/storage.hpp>
#include <conductor/version.hpp>
