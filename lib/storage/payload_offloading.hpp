#pragma once

#include <conductor/payload_storage.hpp>
#include <conductor/storage/storage.hpp>

#include <memory>

namespace conductor::detail {

/// Wraps a storage backend so that workflow and task payloads above `limits`' thresholds are kept in
/// `payloads` instead of their rows. A row written with such a payload holds `{}` and the payload's
/// path in its `external*PayloadStoragePath`; a row read back has its payload restored and the path
/// cleared, so nothing above the storage layer ever sees the difference. Search summaries keep the
/// path instead of the text, as Conductor's do.
///
/// A document is named after its row and its content, so writing the same payload again writes
/// nothing, and a transaction that rolls back leaves only an unreferenced document behind.
/// `workflow_input`, `task_output`...: how payload paths name their type.
std::string payload_type_prefix(PayloadType type);

std::unique_ptr<Storage> offload_payloads(std::unique_ptr<Storage> inner, std::shared_ptr<PayloadStorage> payloads,
                                          const PayloadLimits& limits);

}  // namespace conductor::detail
