# Regenerates tests/data/emmeans: R's emmeans 1.8.4 figures for rglm.emmeans, contrast, pairs and
# emtrends on families, links, weights, offsets and aliased fits beyond the shared reference cases.
# Run from the repository root: Rscript tests/r/make_emmeans_cases.R
# Each case is a JSON file: the model (R and rglm spellings), then calls with their Python
# arguments, R's summary table under rglm's to_frame() names and, for some, R's printed text.
suppressPackageStartupMessages({library(emmeans); library(MASS); library(jsonlite); library(mvtnorm)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
options(width = 80, digits = 7)
OUT <- "tests/data/emmeans"
src <- "rglm/datasets"
dir.create(file.path(OUT, "cases"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(OUT, "data"), recursive = TRUE, showWarnings = FALSE)

jnum <- function(x) {
  x <- unname(x)
  if (is.na(x)) "NA" else if (is.infinite(x)) (if (x > 0) "Inf" else "-Inf") else x
}
empty_obj <- function() setNames(list(), character(0))
load_src <- function(n) read.csv(file.path(src, paste0(n, ".csv")), stringsAsFactors = FALSE)
put_data <- function(df, name) {
  path <- file.path(OUT, "data", paste0(name, ".csv"))
  write.csv(df, path, row.names = FALSE, na = "")
  read.csv(path, stringsAsFactors = TRUE)
}

# py: list(formula, family, link, family_args, weights, offset)
new_case <- function(id, description, data_name, d, r_fit, py) {
  cs <- new.env()
  cs$env <- new.env(parent = globalenv())
  cs$env$d <- d
  fit <- eval(parse(text = r_fit), envir = cs$env)
  cs$env$fit <- fit
  cf <- coef(fit)
  cs$json <- list(id = id, description = description,
    model = list(data = paste0("../data/", data_name, ".csv"), formula = py$formula, family = py$family,
                 link = py$link, family_args = if (length(py$family_args)) py$family_args else empty_obj(),
                 weights = py$weights, offset = py$offset, r_fit = r_fit,
                 coef_names = I(names(cf)), coef = lapply(unname(cf), jnum)))
  cs$calls <- list()
  cs
}

col_map <- function(s) {
  m <- c(SE = "std_error", df = "df", z.ratio = "statistic", t.ratio = "statistic", p.value = "p_value")
  m[attr(s, "estName")] <- "estimate"
  cl <- attr(s, "clNames")
  if (!is.null(cl) && all(cl %in% names(s))) {
    m[cl[1]] <- "conf_low"
    m[cl[2]] <- "conf_high"
  }
  m[names(m) %in% names(s)]
}

add_call <- function(cs, id, fn, args, r_code, of = NULL, printed = FALSE, seed = NULL) {
  if (!is.null(seed)) set.seed(seed)
  obj <- suppressMessages(eval(parse(text = r_code), envir = cs$env))
  assign(id, obj, envir = cs$env)
  if (!is.null(seed)) set.seed(seed)
  s <- if (inherits(obj, "summary_emm")) obj else suppressMessages(summary(obj))
  keys <- c(attr(s, "pri.vars"), attr(s, "by.vars"))
  cmap <- col_map(s)
  df <- as.data.frame(s)
  rows <- lapply(seq_len(nrow(df)), function(i) {
    r <- list()
    for (k in keys) {
      v <- df[[k]][i]
      r[[k]] <- if (is.factor(v) || is.character(v)) as.character(v) else jnum(v)
    }
    for (col in names(cmap)) r[[cmap[[col]]]] <- jnum(df[[col]][i])
    r
  })
  call <- list(id = id, fn = fn, of = of, args = if (length(args)) args else empty_obj(), r_code = r_code,
               r_adjust = attr(s, "adjust"), keys = I(keys), rows = rows)
  if (printed) {
    if (!is.null(seed)) set.seed(seed)
    call$printed <- paste(capture.output(suppressMessages(print(obj))), collapse = "\n")
  }
  cs$calls[[length(cs$calls) + 1]] <- call
  invisible(obj)
}

write_case <- function(cs) {
  j <- cs$json
  j$calls <- cs$calls
  writeLines(toJSON(j, auto_unbox = TRUE, digits = NA, null = "null", na = "string", pretty = TRUE),
             file.path(OUT, "cases", paste0(j$id, ".json")))
  cat(sprintf("%-32s %3d calls\n", j$id, length(j$calls)))
}

# 1. Gaussian: a coerced factor (numeric-looking labels), a 0/1 covariate kept as levels, t df
d <- put_data(load_src("mtcars")[, c("mpg", "cyl", "wt", "am", "hp")], "mtcars")
cs <- new_case("mtcars_gaussian", "Gaussian identity: factor(cyl), wt at its mean, am (0/1) averaged over as levels; t-based df; adjustments.",
  "mtcars", d, "glm(mpg ~ factor(cyl) + wt + am, data = d)",
  list(formula = "mpg ~ C(cyl) + wt + am", family = "Gaussian"))
add_call(cs, "emm_cyl", "emmeans", list(specs = "~ cyl"), "emmeans(fit, ~ cyl)", printed = TRUE)
add_call(cs, "pairs_cyl", "pairs", list(), "pairs(emm_cyl)", of = "emm_cyl", printed = TRUE)
add_call(cs, "emm_cyl_wt3", "emmeans", list(specs = "cyl", at = list(wt = 3), level = 0.99), "emmeans(fit, \"cyl\", at = list(wt = 3), level = 0.99)")
add_call(cs, "emm_cyl_am", "emmeans", list(specs = "~ cyl | am"), "emmeans(fit, ~ cyl | am)", printed = TRUE)
add_call(cs, "emm_am_cells", "emmeans", list(specs = "~ am", weights = "cells"), "emmeans(fit, ~ am, weights = \"cells\")")
add_call(cs, "emm_overall", "emmeans", list(specs = "~ 1"), "emmeans(fit, ~ 1)", printed = TRUE)
add_call(cs, "poly_cyl", "contrast", list(method = "poly"), "contrast(emm_cyl, \"poly\")", of = "emm_cyl")
add_call(cs, "trt_tukey", "contrast", list(method = "trt.vs.ctrl", adjust = "tukey"), "contrast(emm_cyl, \"trt.vs.ctrl\", adjust = \"tukey\")", of = "emm_cyl", printed = TRUE)
add_call(cs, "eff_hommel", "contrast", list(method = "eff", adjust = "hommel"), "contrast(emm_cyl, \"eff\", adjust = \"hommel\")", of = "emm_cyl")
add_call(cs, "pairs_hochberg", "pairs", list(adjust = "hochberg"), "pairs(emm_cyl, adjust = \"hochberg\")", of = "emm_cyl")
add_call(cs, "pairs_by_am_BY", "pairs", list(adjust = "BY"), "pairs(emm_cyl_am, adjust = \"BY\")", of = "emm_cyl_am")
add_call(cs, "consec_sidak", "contrast", list(method = "consec", adjust = "sidak"), "contrast(emm_cyl, \"consec\", adjust = \"sidak\")", of = "emm_cyl")
add_call(cs, "consec_mvt", "contrast", list(method = "consec"), "contrast(emm_cyl, \"consec\")", of = "emm_cyl", seed = 1)
add_call(cs, "emm_cyl_wt_hp", "emmeans", list(specs = "~ cyl * wt", at = list(wt = c(2.5, 3.5))), "emmeans(fit, ~ cyl * wt, at = list(wt = c(2.5, 3.5)))")
add_call(cs, "pairs_cyl_wt", "pairs", list(), "pairs(emm_cyl_wt_hp)", of = "emm_cyl_wt_hp", printed = TRUE)
write_case(cs)

# 2. Gamma inverse link with a nonlinear covariate term: t df, response scale, trends by finite difference
cl <- load_src("clotting")
cl <- data.frame(conc = c(cl$lot1, cl$lot2), u = rep(cl$u, 2), lot = rep(c("lot1", "lot2"), each = nrow(cl)))
d <- put_data(cl, "clotting")
cs <- new_case("clotting_gamma", "Gamma (inverse link) of conc on lot * log(u): u held at its mean (not log u), t df, response scale with 1/eta, contrasts left on the inverse scale, emtrends in u through log(u).",
  "clotting", d, "glm(conc ~ lot * log(u), family = Gamma, data = d)",
  list(formula = "conc ~ lot * np.log(u)", family = "Gamma"))
add_call(cs, "emm_lot", "emmeans", list(specs = "~ lot"), "emmeans(fit, ~ lot)", printed = TRUE)
add_call(cs, "emm_lot_resp", "emmeans", list(specs = "~ lot", type = "response"), "emmeans(fit, ~ lot, type = \"response\")", printed = TRUE)
add_call(cs, "pairs_lot_resp", "pairs", list(), "pairs(emm_lot_resp)", of = "emm_lot_resp", printed = TRUE)
add_call(cs, "emm_lot_u", "emmeans", list(specs = "~ lot | u", at = list(u = c(10, 40)), type = "response"), "emmeans(fit, ~ lot | u, at = list(u = c(10, 40)), type = \"response\")", printed = TRUE)
add_call(cs, "trend_u", "emtrends", list(specs = "~ lot", var = "u"), "emtrends(fit, ~ lot, var = \"u\")", printed = TRUE)
add_call(cs, "trend_u_at", "emtrends", list(specs = "lot", var = "u", by = "u", at = list(u = c(10, 40))), "emtrends(fit, \"lot\", var = \"u\", by = \"u\", at = list(u = c(10, 40)))")
add_call(cs, "pairs_trend", "pairs", list(), "pairs(trend_u)", of = "trend_u")
write_case(cs)

# 3. Quasi-Poisson with prior weights on unbalanced data: Inf df, weights count rows not prior weights
wb <- load_src("warpbreaks")[-c(1:4, 30), ]
wb$w <- rep(c(1, 2, 3), length.out = nrow(wb))
d <- put_data(wb, "warpbreaks_w")
cs <- new_case("warpbreaks_quasipoisson", "Quasi-Poisson with prior weights on unbalanced warpbreaks: asymptotic (Inf) df although the dispersion is estimated; equal/proportional/outer/cells/flat weights count observations; rate ratios.",
  "warpbreaks_w", d, "glm(breaks ~ wool * tension, family = quasipoisson, weights = w, data = d)",
  list(formula = "breaks ~ wool * tension", family = "QuasiPoisson", weights = "w"))
for (w in c("equal", "proportional", "outer", "cells", "flat")) {
  add_call(cs, paste0("emm_tension_", w), "emmeans", list(specs = "~ tension", weights = w), sprintf("emmeans(fit, ~ tension, weights = \"%s\")", w))
}
add_call(cs, "emm_wool_resp", "emmeans", list(specs = "~ wool", type = "response", weights = "proportional"), "emmeans(fit, ~ wool, type = \"response\", weights = \"proportional\")", printed = TRUE)
add_call(cs, "pairs_wool_resp", "pairs", list(), "pairs(emm_wool_resp)", of = "emm_wool_resp", printed = TRUE)
add_call(cs, "emm_ab", "emmeans", list(specs = "~ wool * tension"), "emmeans(fit, ~ wool * tension)")
add_call(cs, "consec_by", "contrast", list(method = "consec", adjust = "none", by = "wool"), "contrast(emm_ab, \"consec\", adjust = \"none\", by = \"wool\")", of = "emm_ab", printed = TRUE)
add_call(cs, "del_eff", "contrast", list(method = "del.eff", adjust = "holm"), "contrast(emm_ab, \"del.eff\", adjust = \"holm\")", of = "emm_ab")
write_case(cs)

# 4. Inverse Gaussian (1/mu^2 link): Inf df
set.seed(12)
ig <- data.frame(g = rep(c("a", "b", "c"), each = 12), x = round(runif(36, 1, 5), 2))
ig$y <- round(statmod::rinvgauss(36, mean = 1 / sqrt(0.2 + 0.1 * as.integer(factor(ig$g)) + 0.05 * ig$x), shape = 4), 4)
d <- put_data(ig, "invgauss")
cs <- new_case("invgauss_default", "Inverse Gaussian with its 1/mu^2 link: Inf df for an estimated dispersion, response scale through 1/sqrt(eta).",
  "invgauss", d, "glm(y ~ g + x, family = inverse.gaussian, data = d)",
  list(formula = "y ~ g + x", family = "InverseGaussian"))
add_call(cs, "emm_g", "emmeans", list(specs = "~ g", type = "response"), "emmeans(fit, ~ g, type = \"response\")", printed = TRUE)
add_call(cs, "pairs_g", "pairs", list(), "pairs(emm_g)", of = "emm_g", printed = TRUE)
add_call(cs, "dict_g", "contrast", list(method = list(a_vs_rest = c(1, -0.5, -0.5), b = c(0, 1, 0))), "contrast(emm_g, list(a_vs_rest = c(1, -0.5, -0.5), b = c(0, 1, 0)))", of = "emm_g", printed = TRUE)
write_case(cs)

# 5. Aliased coefficient (empty Age x Lrn cell): nonEst means and contrasts
d <- put_data(load_src("quine"), "quine")
cs <- new_case("quine_poisson_nonest", "Poisson Days ~ Eth + Age * Lrn with the empty F3 x SL cell (an NA coefficient): nonEst means and contrasts; cells weights make the F3 mean estimable.",
  "quine", d, "glm(Days ~ Eth + Age * Lrn, family = poisson, data = d)",
  list(formula = "Days ~ Eth + Age * Lrn", family = "Poisson"))
add_call(cs, "emm_age_lrn", "emmeans", list(specs = "~ Age | Lrn"), "emmeans(fit, ~ Age | Lrn)", printed = TRUE)
add_call(cs, "pairs_age_lrn", "pairs", list(), "pairs(emm_age_lrn)", of = "emm_age_lrn", printed = TRUE)
add_call(cs, "emm_age", "emmeans", list(specs = "~ Age", type = "response"), "emmeans(fit, ~ Age, type = \"response\")", printed = TRUE)
add_call(cs, "emm_age_cells", "emmeans", list(specs = "~ Age", weights = "cells"), "emmeans(fit, ~ Age, weights = \"cells\")")
add_call(cs, "emm_lrn_flat", "emmeans", list(specs = "~ Lrn", weights = "flat"), "emmeans(fit, ~ Lrn, weights = \"flat\")")
add_call(cs, "trt_age", "contrast", list(method = "trt.vs.ctrl", ref = "F1"), "contrast(emm_age, \"trt.vs.ctrl\", ref = \"F1\")", of = "emm_age", printed = TRUE)
write_case(cs)

# 6. Binomial probit and quasi-binomial logit
d <- put_data(load_src("budworm")[, c("ldose", "numdead", "numalive", "sex")], "budworm")
cs <- new_case("budworm_probit", "Binomial probit: response-scale probabilities, contrasts of a non-log link stay on the probit scale.",
  "budworm", d, "glm(cbind(numdead, numalive) ~ sex + ldose, family = binomial(link = \"probit\"), data = d)",
  list(formula = "cbind(numdead, numalive) ~ sex + ldose", family = "Binomial", link = "probit"))
add_call(cs, "emm_sex", "emmeans", list(specs = "~ sex", type = "response"), "emmeans(fit, ~ sex, type = \"response\")", printed = TRUE)
add_call(cs, "pairs_sex", "pairs", list(), "pairs(emm_sex)", of = "emm_sex", printed = TRUE)
add_call(cs, "emm_sex_dose", "emmeans", list(specs = "~ sex | ldose", at = list(ldose = c(0, 2.5, 5)), type = "response"), "emmeans(fit, ~ sex | ldose, at = list(ldose = c(0, 2.5, 5)), type = \"response\")")
add_call(cs, "pairs_sex_dose", "pairs", list(), "pairs(emm_sex_dose)", of = "emm_sex_dose", printed = TRUE)
write_case(cs)
cs <- new_case("budworm_quasibinomial", "Quasi-binomial logit: odds ratios with Inf df; cloglog-free.",
  "budworm", d, "glm(cbind(numdead, numalive) ~ sex + ldose, family = quasibinomial, data = d)",
  list(formula = "cbind(numdead, numalive) ~ sex + ldose", family = "QuasiBinomial"))
add_call(cs, "emm_sex", "emmeans", list(specs = "~ sex", type = "response"), "emmeans(fit, ~ sex, type = \"response\")", printed = TRUE)
add_call(cs, "pairs_sex", "pairs", list(), "pairs(emm_sex)", of = "emm_sex", printed = TRUE)
add_call(cs, "revpairs_sex_link", "contrast", list(method = "revpairwise", type = "link"), "contrast(emm_sex, \"revpairwise\", type = \"link\")", of = "emm_sex", printed = TRUE)
write_case(cs)

# 7. Poisson with offset= given as an argument; labels with "-" in parentheses
ins <- load_src("insurance")
ins$logH <- log(ins$Holders)
ins$District <- paste0("d", ins$District)
d <- put_data(ins, "insurance")
cs <- new_case("insurance_offset_arg", "Poisson with offset = logH as an argument (not a formula term): the mean offset; offset = 0; level labels with '-' and '<' in contrasts.",
  "insurance", d, "glm(Claims ~ District + Age, family = poisson, offset = logH, data = d)",
  list(formula = "Claims ~ District + Age", family = "Poisson", offset = "logH"))
add_call(cs, "emm_age", "emmeans", list(specs = "~ Age", type = "response"), "emmeans(fit, ~ Age, type = \"response\")", printed = TRUE)
add_call(cs, "emm_age_0", "emmeans", list(specs = "~ Age", offset = 0), "emmeans(fit, ~ Age, offset = 0)")
add_call(cs, "pairs_age", "pairs", list(), "pairs(emm_age)", of = "emm_age", printed = TRUE)
add_call(cs, "consec_age", "contrast", list(method = "consec", adjust = "bonferroni", type = "link"), "contrast(emm_age, \"consec\", adjust = \"bonferroni\", type = \"link\")", of = "emm_age", printed = TRUE)
write_case(cs)

# 8. Negative binomial with theta fixed
d <- put_data(load_src("quine"), "quine")
cs <- new_case("quine_negbin_fixed", "glm with negative.binomial(2) (theta fixed): Inf df, the 'response' label.",
  "quine", d, "glm(Days ~ Eth + Age, family = negative.binomial(2), data = d)",
  list(formula = "Days ~ Eth + Age", family = "NegativeBinomial", family_args = list(theta = 2)))
add_call(cs, "emm_age", "emmeans", list(specs = "~ Age", type = "response"), "emmeans(fit, ~ Age, type = \"response\")", printed = TRUE)
add_call(cs, "eff_age", "contrast", list(method = "eff"), "contrast(emm_age, \"eff\")", of = "emm_age", printed = TRUE)
write_case(cs)

# 9. A logical predictor, an offset with two distinct values (kept as grid levels), a factor
#    restricted by at=, specs and by naming the same variable, cloglog link
set.seed(7)
lg <- data.frame(g = rep(c("u", "v", "w"), 16), flag = rep(c(TRUE, FALSE, FALSE, TRUE), 12),
                 expo = rep(c(10, 20), each = 24))
lg$y <- rbinom(48, 1, 0.3 + 0.2 * lg$flag)
lg$n <- rpois(48, lg$expo * exp(0.1 * (lg$g == "v")))
d <- put_data(lg, "logical")
cs <- new_case("logical_twooffsets", "Poisson with a logical predictor and offset(log(expo)) taking two values (emmeans keeps them as levels and averages over them); a factor subset by at=.",
  "logical", d, "glm(n ~ g + flag + offset(log(expo)), family = poisson, data = d)",
  list(formula = "n ~ g + flag + offset(np.log(expo))", family = "Poisson"))
add_call(cs, "emm_flag", "emmeans", list(specs = "~ flag"), "emmeans(fit, ~ flag)", printed = TRUE)
add_call(cs, "pairs_flag", "pairs", list(), "pairs(emm_flag)", of = "emm_flag", printed = TRUE)
add_call(cs, "emm_g_at", "emmeans", list(specs = "g", at = list(g = c("u", "w")), type = "response"), "emmeans(fit, \"g\", at = list(g = c(\"u\", \"w\")), type = \"response\")", printed = TRUE)
add_call(cs, "emm_list_by", "emmeans", list(specs = I(c("g", "flag")), by = "flag"), "emmeans(fit, c(\"g\", \"flag\"), by = \"flag\")", printed = TRUE)
add_call(cs, "pairs_list_by", "pairs", list(adjust = "none"), "pairs(emm_list_by, adjust = \"none\")", of = "emm_list_by")
write_case(cs)
cs <- new_case("logical_cloglog", "Binomial cloglog with a logical predictor.",
  "logical", d, "glm(y ~ g + flag, family = binomial(link = \"cloglog\"), data = d)",
  list(formula = "y ~ g + flag", family = "Binomial", link = "cloglog"))
add_call(cs, "emm_g", "emmeans", list(specs = "~ g", type = "response"), "emmeans(fit, ~ g, type = \"response\")", printed = TRUE)
add_call(cs, "pairs_g", "pairs", list(adjust = "holm"), "pairs(emm_g, adjust = \"holm\")", of = "emm_g", printed = TRUE)
write_case(cs)

# 10. Gaussian with a log link: residual df, the "response" label, ratios of means
d <- put_data(load_src("mtcars")[, c("mpg", "cyl", "wt", "am", "hp")], "mtcars")
cs <- new_case("mtcars_gaussian_log", "Gaussian with a log link: t df from the residual df, response scale, ratios; revpairwise.",
  "mtcars", d, "glm(mpg ~ factor(cyl) + hp, family = gaussian(link = \"log\"), data = d)",
  list(formula = "mpg ~ C(cyl) + hp", family = "Gaussian", link = "log"))
add_call(cs, "emm_cyl", "emmeans", list(specs = "~ cyl", type = "response"), "emmeans(fit, ~ cyl, type = \"response\")", printed = TRUE)
add_call(cs, "revpairs", "contrast", list(method = "revpairwise"), "contrast(emm_cyl, \"revpairwise\")", of = "emm_cyl", printed = TRUE)
write_case(cs)

# 11. Poisson sqrt link, quasi(log, mu), trends by group, non-contrast custom weights, numeric weights
d <- put_data(load_src("warpbreaks"), "warpbreaks")
cs <- new_case("warpbreaks_sqrt", "Poisson with a sqrt link: response-scale rates by pmax(0, eta)^2, contrasts left on the sqrt scale (emmeans' note), custom weights that are not contrasts, numeric averaging weights.",
  "warpbreaks", d, "glm(breaks ~ wool + tension, family = poisson(link = \"sqrt\"), data = d)",
  list(formula = "breaks ~ wool + tension", family = "Poisson", link = "sqrt"))
add_call(cs, "emm_t", "emmeans", list(specs = "~ tension", type = "response"), "emmeans(fit, ~ tension, type = \"response\")", printed = TRUE)
add_call(cs, "pairs_t", "pairs", list(), "pairs(emm_t)", of = "emm_t", printed = TRUE)
add_call(cs, "custom_t", "contrast", list(method = list(H = c(1, 0, 0), HL = c(0.5, 0.5, 0))), "contrast(emm_t, list(H = c(1, 0, 0), HL = c(0.5, 0.5, 0)))", of = "emm_t", printed = TRUE)
add_call(cs, "emm_w_num", "emmeans", list(specs = "~ wool", weights = c(1, 2, 3)), "emmeans(fit, ~ wool, weights = c(1, 2, 3))")
write_case(cs)
cs <- new_case("warpbreaks_quasi", "quasi(link = log, variance = mu): Inf df, 'response' label, ratios; emtrends-free.",
  "warpbreaks", d, "glm(breaks ~ wool * tension, family = quasi(link = \"log\", variance = \"mu\"), data = d)",
  list(formula = "breaks ~ wool * tension", family = "Quasi", link = "log", family_args = list(variance = "mu")))
add_call(cs, "emm_wt", "emmeans", list(specs = "~ wool | tension", type = "response"), "emmeans(fit, ~ wool | tension, type = \"response\")", printed = TRUE)
add_call(cs, "pairs_wt", "pairs", list(), "pairs(emm_wt)", of = "emm_wt", printed = TRUE)
write_case(cs)
d <- put_data(load_src("mtcars")[, c("mpg", "cyl", "wt", "am", "hp")], "mtcars")
cs <- new_case("mtcars_trends", "Gaussian with a factor x covariate interaction and a log term: emtrends by group at given values, '~ a | b' specs.",
  "mtcars", d, "glm(mpg ~ factor(am) * wt + log(hp), data = d)",
  list(formula = "mpg ~ C(am) * wt + np.log(hp)", family = "Gaussian"))
add_call(cs, "trend_wt", "emtrends", list(specs = "~ am", var = "wt"), "emtrends(fit, ~ am, var = \"wt\")", printed = TRUE)
add_call(cs, "trend_hp", "emtrends", list(specs = "~ am | hp", var = "hp", at = list(hp = c(100, 200))), "emtrends(fit, ~ am | hp, var = \"hp\", at = list(hp = c(100, 200)))", printed = TRUE)
add_call(cs, "pairs_trend_wt", "pairs", list(), "pairs(trend_wt)", of = "trend_wt", printed = TRUE)
add_call(cs, "emm_am_wt", "emmeans", list(specs = "~ am | wt", at = list(wt = c(2, 4))), "emmeans(fit, ~ am | wt, at = list(wt = c(2, 4)))", printed = TRUE)
write_case(cs)

# 12. regrid(): means re-expressed on the response scale, contrasts as differences of probabilities
#     or rates (fn "regrid" takes the emmeans result named by `of`)
d <- put_data(load_src("budworm")[, c("ldose", "numdead", "numalive", "sex")], "budworm")
cs <- new_case("budworm_regrid", "regrid() of logistic EMMs: probabilities as estimates with delta-method SEs; pairs are differences of probabilities.",
  "budworm", d, "glm(cbind(numdead, numalive) ~ sex * ldose, family = binomial, data = d)",
  list(formula = "cbind(numdead, numalive) ~ sex * ldose", family = "Binomial"))
add_call(cs, "emm_sex_dose", "emmeans", list(specs = "~ sex | ldose", at = list(ldose = c(1, 3))), "emmeans(fit, ~ sex | ldose, at = list(ldose = c(1, 3)))")
add_call(cs, "rg", "regrid", list(), "regrid(emm_sex_dose)", of = "emm_sex_dose", printed = TRUE)
add_call(cs, "pairs_rg", "pairs", list(), "pairs(rg)", of = "rg", printed = TRUE)
write_case(cs)
d <- put_data(load_src("quine"), "quine")
cs <- new_case("quine_regrid_nonest", "regrid() of Poisson EMMs with a nonEst cell: rates with delta-method SEs, differences of rates.",
  "quine", d, "glm(Days ~ Eth + Age * Lrn, family = poisson, data = d)",
  list(formula = "Days ~ Eth + Age * Lrn", family = "Poisson"))
add_call(cs, "emm", "emmeans", list(specs = "~ Age | Lrn"), "emmeans(fit, ~ Age | Lrn)")
add_call(cs, "rg", "regrid", list(), "regrid(emm)", of = "emm", printed = TRUE)
add_call(cs, "trt_rg", "contrast", list(method = "trt.vs.ctrl"), "contrast(rg, \"trt.vs.ctrl\")", of = "rg", printed = TRUE)
write_case(cs)

# 13. confint(): intervals with emmeans' critical values (tukey, dunnettx by uniroot, sidak,
#     bonferroni for the p-value methods), back-transformed ratios, t and z
d <- put_data(load_src("warpbreaks"), "warpbreaks")
cs <- new_case("warpbreaks_confint", "confint() of means and contrasts: adjusted critical values, ratio intervals, by groups.",
  "warpbreaks", d, "glm(breaks ~ wool * tension, family = poisson, data = d)",
  list(formula = "breaks ~ wool * tension", family = "Poisson"))
add_call(cs, "emm", "emmeans", list(specs = "~ tension | wool"), "emmeans(fit, ~ tension | wool)")
add_call(cs, "emm_resp", "emmeans", list(specs = "~ tension | wool", type = "response"), "emmeans(fit, ~ tension | wool, type = \"response\")")
add_call(cs, "ci_emm_sidak", "confint", list(adjust = "sidak", level = 0.9), "confint(emm, adjust = \"sidak\", level = 0.9)", of = "emm", printed = TRUE)
add_call(cs, "pairs", "pairs", list(), "pairs(emm)", of = "emm")
add_call(cs, "ci_pairs", "confint", list(), "confint(pairs)", of = "pairs", printed = TRUE)
add_call(cs, "pairs_resp", "pairs", list(), "pairs(emm_resp)", of = "emm_resp")
add_call(cs, "ci_pairs_resp", "confint", list(), "confint(pairs_resp)", of = "pairs_resp", printed = TRUE)
add_call(cs, "trt", "contrast", list(method = "trt.vs.ctrl"), "contrast(emm, \"trt.vs.ctrl\")", of = "emm")
add_call(cs, "ci_trt", "confint", list(), "confint(trt)", of = "trt", printed = TRUE)
add_call(cs, "ci_pairs_holm", "confint", list(adjust = "holm"), "confint(pairs, adjust = \"holm\")", of = "pairs", printed = TRUE)
write_case(cs)
d <- put_data(load_src("mtcars")[, c("mpg", "cyl", "wt", "am", "hp")], "mtcars")
cs <- new_case("mtcars_confint", "confint() with t df: tukey and dunnettx critical values on 28 df.",
  "mtcars", d, "glm(mpg ~ factor(cyl) + wt + am, data = d)",
  list(formula = "mpg ~ C(cyl) + wt + am", family = "Gaussian"))
add_call(cs, "emm", "emmeans", list(specs = "~ cyl"), "emmeans(fit, ~ cyl)")
add_call(cs, "pairs", "pairs", list(), "pairs(emm)", of = "emm")
add_call(cs, "ci_pairs", "confint", list(), "confint(pairs)", of = "pairs", printed = TRUE)
add_call(cs, "trt", "contrast", list(method = "trt.vs.ctrl"), "contrast(emm, \"trt.vs.ctrl\")", of = "emm")
add_call(cs, "ci_trt", "confint", list(level = 0.99), "confint(trt, level = 0.99)", of = "trt", printed = TRUE)
write_case(cs)
