# Regenerates tests/data/r_influence: R's influence measures and the figures broom's tidy, glance
# and augment report for a glm, computed from base R (broom itself is not needed).
# Run from the repository root: Rscript tests/r/make_influence_cases.R
suppressMessages({library(MASS); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
out <- "tests/data/r_influence"
shared <- "tests/data/r_cases/data"
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)

num <- function(x) { x <- unname(as.numeric(x)); x[is.infinite(x)] <- NA; x }
mat <- function(x) unname(as.matrix(x))
# R keeps NaN and NA apart (NaN: a measure R defines as 0/0 or Inf; NA: a row with no value);
# JSON has neither, so NaN is written as the string "NaN" and NA as null.
nanstr <- function(x) { x <- num(x); out <- as.list(x); out[is.nan(x)] <- "NaN"; out[is.na(x) & !is.nan(x)] <- list(NULL); out }
# A likelihood is infinite when a Gaussian fit has zero weights (log 0 in family$aic): kept as "Inf".
infstr <- function(x) if (is.infinite(x)) (if (x > 0) "Inf" else "-Inf") else num(x)

# Derived data sets, written next to the cases so that R and Python read the same bytes.
mt <- read.csv(file.path(shared, "mtcars.csv"))
mt$w <- rep(c(1, 2, 0.5, 3), 8); mt$w[c(5, 17)] <- 0
write.csv(mt, file.path(out, "data", "mtcars_w.csv"), row.names = FALSE)
ins <- read.csv(file.path(shared, "insectsprays.csv"))
ins1 <- ins[ins$spray != "F" | seq_len(nrow(ins)) == which(ins$spray == "F")[1], ]
write.csv(ins1, file.path(out, "data", "insect_single.csv"), row.names = FALSE)
for (n in c("mtcars", "budworm", "infert", "insurance", "clotting", "trees", "warpbreaks", "titanic",
            "airquality", "birthwt", "dobson", "quine", "esoph"))
  file.copy(file.path(shared, paste0(n, ".csv")), file.path(out, "data", paste0(n, ".csv")), overwrite = TRUE)

make_case <- function(id, data, rformula, pyformula, family, pyfamily, link = NULL, family_args = NULL,
                      weights = NULL, na_action = NULL, profile = TRUE) {
  d <- read.csv(file.path(out, "data", paste0(data, ".csv")), stringsAsFactors = TRUE)
  call_txt <- paste0("glm(", rformula, ", family = ", family, ", data = d",
                     if (!is.null(weights)) paste0(", weights = ", weights) else "",
                     if (!is.null(na_action)) paste0(", na.action = na.", na_action) else "", ")")
  warns <- character()
  m <- withCallingHandlers(eval(parse(text = call_txt)),
                           warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  s <- summary(m)
  infl <- influence(m)                       # rows with non-zero prior weight (all rows, NA-padded, for na.exclude)
  im <- tryCatch(influence.measures(m)$infmat, error = function(e) NULL)  # R refuses a rank-0 model
  dfb <- tryCatch(dfbeta(m), error = function(e) NULL)
  rows <- as.integer(names(infl$hat)) - 1L   # read.csv row names are 1..n
  cf <- coef(m)
  tab <- s$coefficients
  est <- num(cf); se <- st <- pv <- rep(NA_real_, length(cf)); names(se) <- names(cf)
  se[rownames(tab)] <- tab[, 2]; st <- se; st[rownames(tab)] <- tab[, 3]; pv <- se; pv[rownames(tab)] <- tab[, 4]
  ci_prof <- function(level) {
    if (!profile) return(NULL)
    ci <- tryCatch(suppressMessages(confint(m, level = level)), error = function(e) NULL)
    if (is.null(ci)) return(NULL)
    ci <- matrix(ci, ncol = 2, dimnames = list(names(cf), NULL))
    list(lower = num(ci[, 1]), upper = num(ci[, 2]))
  }
  ci_wald <- function(level) { ci <- confint.default(m, level = level); list(lower = num(ci[names(cf), 1]), upper = num(ci[names(cf), 2])) }
  mf_rows <- rownames(model.frame(m))
  pl <- predict(m, type = "link", se.fit = TRUE)
  pr <- predict(m, type = "response", se.fit = TRUE)
  # broom's augment.glm on its model frame: influence columns placed by its add_hat_sigma_cols
  # (0 for .hat, .sigma and .cooksd where the IRLS weight is 0, NA for .std.resid).
  wz <- m$weights[mf_rows]
  place <- function(v, fill) { o <- rep(fill, length(mf_rows)); nz <- wz != 0; o[nz] <- v[mf_rows[nz]]; o }
  aug <- list(
    rows = match(mf_rows, rownames(d)) - 1L,
    fitted_link = num(pl$fit[mf_rows]), se_link = num(pl$se.fit[mf_rows]),
    fitted_response = num(pr$fit[mf_rows]), se_response = num(pr$se.fit[mf_rows]),
    resid_deviance = num(residuals(m, "deviance")[mf_rows]), resid_pearson = num(residuals(m, "pearson")[mf_rows]),
    hat = num(place(infl$hat, 0)), sigma = num(place(infl$sigma, 0)),
    cooksd = num(place(cooks.distance(m), 0)),
    std_resid_deviance = num(place(rstandard(m, type = "deviance"), NA)),
    std_resid_pearson = num(place(rstandard(m, type = "pearson"), NA)))
  ref <- list(
    call = call_txt, warnings = warns, family = family(m)$family,
    rows = rows, hat = num(infl$hat), sigma = num(infl$sigma), dev_res = num(infl$dev.res), pear_res = num(infl$pear.res),
    hatvalues = nanstr(hatvalues(m)), cooks = nanstr(cooks.distance(m)),
    rstandard = nanstr(rstandard(m)), rstandard_pearson = nanstr(rstandard(m, type = "pearson")),
    rstudent = nanstr(rstudent(m)),
    dfbeta = lapply(seq_len(NCOL(dfb)), function(j) nanstr(dfb[, j])), dfbeta_names = colnames(dfb),
    infmat_columns = colnames(im), infmat = lapply(seq_len(NCOL(im)), function(j) nanstr(im[, j])),
    coef_names = names(cf), aliased = unname(is.na(cf)),
    tidy = list(estimate = est, std_error = num(se), statistic = num(st), p_value = num(pv)),
    confint_profile_95 = ci_prof(0.95), confint_profile_90 = ci_prof(0.90),
    confint_wald_95 = ci_wald(0.95), confint_wald_90 = ci_wald(0.90),
    glance = list(null_deviance = m$null.deviance, df_null = m$df.null, logLik = infstr(as.numeric(logLik(m))),
                  AIC = infstr(AIC(m)), BIC = infstr(BIC(m)), deviance = deviance(m), df_residual = m$df.residual,
                  nobs = nobs(m)),
    dispersion = s$dispersion,
    augment = aug
  )
  py <- list(formula = pyformula, family = pyfamily, link = link, family_args = family_args, weights = weights,
             na_action = na_action, data = paste0("data/", data, ".csv"))
  writeLines(toJSON(list(id = id, r = ref, python = py), auto_unbox = TRUE, digits = NA, null = "null", na = "null",
                    pretty = FALSE),
             file.path(out, "cases", paste0(id, ".json")))
  cat(sprintf("%-28s n=%d rank=%d warn=%d\n", id, length(infl$hat), m$rank, length(warns)))
}

make_case("mtcars_gaussian", "mtcars", "mpg ~ wt + hp + factor(cyl)", "mpg ~ wt + hp + C(cyl)", "gaussian()", "Gaussian")
make_case("mtcars_gaussian_weights_zero", "mtcars_w", "mpg ~ wt + qsec", "mpg ~ wt + qsec", "gaussian()", "Gaussian", weights = "w")
make_case("mtcars_aliased", "mtcars", "mpg ~ wt + hp + wt2", "mpg ~ wt + hp + wt2", "gaussian()", "Gaussian")
make_case("mtcars_gamma_aliased", "mtcars", "mpg ~ wt2 + factor(cyl) + wt", "mpg ~ wt2 + C(cyl) + wt", 'Gamma(link = "log")', "Gamma", link = "log")
make_case("budworm_cbind", "budworm", "cbind(numdead, numalive) ~ sex * ldose", "cbind(numdead, numalive) ~ sex * ldose", "binomial()", "Binomial")
make_case("infert_logit", "infert", "case ~ spontaneous + induced + age", "case ~ spontaneous + induced + age", "binomial()", "Binomial")
make_case("birthwt_probit", "birthwt", "low ~ age + lwt + factor(race) + smoke", "low ~ age + lwt + C(race) + smoke", 'binomial(link = "probit")', "Binomial", link = "probit")
make_case("insurance_poisson_offset", "insurance", "Claims ~ factor(District) + Group + Age + offset(log(Holders))", "Claims ~ C(District) + Group + Age + offset(log(Holders))", "poisson()", "Poisson")
make_case("dobson_poisson", "dobson", "counts ~ factor(outcome) + factor(treatment)", "counts ~ C(outcome) + C(treatment)", "poisson()", "Poisson")
make_case("clotting_gamma", "clotting", "lot1 ~ log(u)", "lot1 ~ log(u)", "Gamma()", "Gamma")
make_case("trees_gamma_log", "trees", "Volume ~ log(Girth) + log(Height)", "Volume ~ log(Girth) + log(Height)", 'Gamma(link = "log")', "Gamma", link = "log")
make_case("trees_invgauss", "trees", "Volume ~ log(Girth) + log(Height)", "Volume ~ log(Girth) + log(Height)", 'inverse.gaussian(link = "log")', "InverseGaussian", link = "log")
make_case("warpbreaks_quasipoisson", "warpbreaks", "breaks ~ wool * tension", "breaks ~ wool * tension", "quasipoisson()", "QuasiPoisson")
make_case("esoph_quasibinomial", "esoph", "cbind(ncases, ncontrols) ~ agegp + alcgp", "cbind(ncases, ncontrols) ~ agegp + alcgp", "quasibinomial()", "QuasiBinomial")
make_case("quine_negbin_theta", "quine", "Days ~ Eth + Sex + Age + Lrn", "Days ~ Eth + Sex + Age + Lrn", "negative.binomial(1.5)", "NegativeBinomial", family_args = list(theta = 1.5))
make_case("titanic_weights_zero", "titanic", "Survived ~ Class + Sex + Age", "Survived ~ Class + Sex + Age", "binomial()", "Binomial", weights = "Freq")
make_case("airquality_gaussian_exclude", "airquality", "Ozone ~ Solar.R + Wind + Temp", "Ozone ~ Solar.R + Wind + Temp", "gaussian()", "Gaussian", na_action = "exclude")
make_case("airquality_gamma_exclude", "airquality", "Ozone ~ Solar.R + Wind + Temp", "Ozone ~ Solar.R + Wind + Temp", 'Gamma(link = "log")', "Gamma", link = "log", na_action = "exclude")
make_case("airquality_poisson_omit", "airquality", "Ozone ~ Wind + Temp", "Ozone ~ Wind + Temp", "poisson()", "Poisson", na_action = "omit")
make_case("insect_single_level", "insect_single", "count ~ spray", "count ~ spray", "poisson()", "Poisson")
make_case("dobson_rank0", "dobson", "counts ~ 0 + offset(log(treatment) + 2.7)", "counts ~ 0 + offset(log(treatment) + 2.7)", "poisson()", "Poisson")
make_case("insect_single_level_quasi", "insect_single", "count ~ spray", "count ~ spray", "quasipoisson()", "QuasiPoisson")
