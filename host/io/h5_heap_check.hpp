// A check of the global heap behind a variable-length string dataset, made before libhdf5 reads
// it. libhdf5 1.10 trusts the object sizes and indices of a global heap collection: a damaged
// collection or heap id makes its vlen read copy past its buffers (SIGSEGV). This check reads the
// dataset's stored heap ids (contiguous storage, or chunks under deflate / shuffle / fletcher32)
// and walks every collection they name with bounds checks, so that damage becomes an InputError
// naming the file, dataset and row.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>

namespace tailor::h5 {

// Checks rows [offset, offset + count) of the 1-D vlen string dataset `dataset` of `file`
// (`where` names both in messages). Storage it cannot decode (compact layout, other filters) is
// left to libhdf5. InputError on damage.
void check_vlen_heap(hid_t file, hid_t dataset, const std::string& path, const std::string& where,
                     std::int64_t offset, std::int64_t count);

// The local heap of group `group`'s link names (version 1 object headers, symbol tables), which
// libhdf5 allocates by its stored size before any lookup in the group; InputError when it is
// not whole.
void check_group_heap(hid_t file, const std::string& group, const std::string& path,
                      const std::string& where);

// The same for the variable-length attribute `name` of `object` (found in the object's header,
// version 1 as libhdf5 and h5py write by default; other versions are left to libhdf5).
void check_vlen_attribute_heap(hid_t file, hid_t object, const std::string& path,
                               const std::string& where, const std::string& name);

}  // namespace tailor::h5
