// Strong generalisation: factors for customers the model never trained on (Liang et al. 2018,
// "Variational Autoencoders for Collaborative Filtering"; Rendle et al. 2022, "Revisiting the
// Performance of iALS on Item Recommendation Benchmarks"). The held-out customers' fold-in
// history gives each of them a factor row, solved with the trained item factors held fixed;
// their test rows are then scored with it.
#pragma once

#include <vector>

#include "kernels/backend.hpp"
#include "host/data/csr.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

// history: held-out customers x items (weights as in training; empty rows allowed).
// item_factors: items x p.factors, row-major (items == history.cols).
// Returns customers x p.factors, row-major: for each customer u the exact minimiser of its iALS
// row objective with Y fixed,
//   x_u = (Y^T Y + Y^T (C_u - I) Y + lambda I)^-1 Y^T C_u p_u,
// using p's confidence scaling, alpha and lambda. Customers with no history get 0.
// Solved on `backend`. InputError on a shape mismatch or parameters validate_ials_params refuses.
std::vector<float> fold_in_customers(const Csr& history, const std::vector<float>& item_factors,
                                     const IalsParams& p, const Backend& backend);

}  // namespace tailor
