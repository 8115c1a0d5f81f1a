// ferrolab::AeSession, Im2Spec, Spec2Im and sample_generate at a tiny size (16 x 16 image, window
// 4, 2 members, 2 epochs): the closed loop against the simulated sample, the same ranking as the
// C API's session, maps, save and load, cancel and resume; im2spec and spec2im round trips; sizes
// refused before C. Prints "ae: all checks passed".
#include <thread>

#include "check.hpp"

static const size_t H = 16, W = 16, L = 16, WIN = 4, K = 4;

static std::vector<double> loop_at(const ferrolab::Sample &s, int64_t r, int64_t c) {
    size_t row = size_t(r) * W + size_t(c);
    return std::vector<double>(s.loops.data.begin() + row * L, s.loops.data.begin() + (row + 1) * L);
}

static ferrolab::Matrix loops_at(const ferrolab::Sample &s, const std::vector<int64_t> &rows,
                                 const std::vector<int64_t> &cols) {
    ferrolab::Matrix m(rows.size(), L);
    for (size_t k = 0; k < rows.size(); k++) {
        std::vector<double> loop = loop_at(s, rows[k], cols[k]);
        std::copy(loop.begin(), loop.end(), m.data.begin() + k * L);
    }
    return m;
}

int main() {
    ferrolab::Config cfg;
    cfg.set("sample.rows", int64_t(H));
    cfg.set("sample.cols", int64_t(W));
    cfg.set("sample.steps", int64_t(L));
    cfg.set("sample.split_col", 4);
    cfg.set("sample.anomaly_count", 1);
    cfg.set("sample.seed", 3);
    ferrolab::Sample sample = ferrolab::sample_generate(H, W, L, cfg);
    CHECK(sample.image.rows == H && sample.image.cols == W && sample.loops.rows == H * W && sample.voltage.size() == L);
    int planted = 0;
    for (int32_t a : sample.anomaly) planted += a;
    CHECK(planted > 0 && sample.voltage[L / 4] > sample.voltage[0]);
    EXPECT_ERROR(ferrolab::sample_generate(H + 1, W, L, cfg), FERROLAB_ERR_INVALID_ARGUMENT, "sample.rows");

    cfg.set("ae.window_px", int64_t(WIN));
    cfg.set("ae.ensemble_size", 2);
    cfg.set("ae.epochs_initial", 2);
    cfg.set("ae.epochs_update", 2);
    cfg.set("ae.exclusion_radius_px", 2.0);
    for (const char *net : {"im2spec", "spec2im"}) {
        cfg.set(std::string(net) + ".filters", 4);
        cfg.set(std::string(net) + ".latent", 2);
        cfg.set(std::string(net) + ".epochs", 2);
    }

    // The closed loop.
    ferrolab::AeSession ae(sample.image, sample.voltage, cfg);
    ferrolab::AeSession::Shape s = ae.shape();
    CHECK(s.height == H && s.width == W && s.spectrum_len == L && s.latent_dim == 2 && s.measurements == 0 &&
          !s.trained);
    EXPECT_ERROR(ae.rank(K), FERROLAB_ERR_INVALID_ARGUMENT, "update");
    std::vector<int64_t> seed_rows, seed_cols;
    for (int k = 0; k < 9; k++) {
        seed_rows.push_back(3 + 4 * (k / 3));
        seed_cols.push_back(3 + 4 * (k % 3));
    }
    std::vector<double> surprise = ae.add_measurements(seed_rows, seed_cols, loops_at(sample, seed_rows, seed_cols));
    CHECK(surprise.size() == 9 && std::isnan(surprise[0]) && std::isnan(surprise[8]));
    ae.update();
    ferrolab::Progress p = ae.progress_info();
    CHECK(p.stage == 2 && p.done == 2 && p.total == 2 && std::isfinite(p.last_loss));
    ferrolab::AeSession::Ranking r = ae.rank(K);
    CHECK(r.rows.size() == K && r.cols.size() == K && r.scores.size() == K && r.pred.rows == K && r.pred.cols == L &&
          r.pred_std.rows == K);
    for (size_t k = 1; k < r.scores.size(); k++) CHECK(r.scores[k] <= r.scores[k - 1]);

    // The C API's session with the same settings ranks the same.
    ferrolab_ae *raw = nullptr;
    CHECK(ferrolab_ae_new(cfg.get(), sample.image.data.data(), H, W, sample.voltage.data(), L, &raw) == FERROLAB_OK);
    ferrolab::Matrix seeds = loops_at(sample, seed_rows, seed_cols);
    CHECK(ferrolab_ae_add_measurements(raw, seed_rows.data(), seed_cols.data(), seeds.data.data(), 9, L, nullptr) ==
          FERROLAB_OK);
    CHECK(ferrolab_ae_update(raw) == FERROLAB_OK);
    std::vector<int64_t> raw_rows(K), raw_cols(K);
    std::vector<double> raw_scores(K);
    size_t n = 0;
    CHECK(ferrolab_ae_rank(raw, K, raw_rows.data(), raw_cols.data(), raw_scores.data(), nullptr, nullptr, L, &n) ==
          FERROLAB_OK);
    CHECK(n == K && raw_rows == r.rows && raw_cols == r.cols && same(raw_scores, r.scores));
    CHECK(ferrolab_ae_free(raw) == FERROLAB_OK);

    ferrolab::Matrix measured = loops_at(sample, r.rows, r.cols);
    surprise = ae.add_measurements(r.rows, r.cols, measured);
    for (size_t k = 0; k < K; k++) {
        double num = 0.0, den = 0.0;
        for (size_t j = 0; j < L; j++) {
            num += (r.pred(k, j) - measured(k, j)) * (r.pred(k, j) - measured(k, j));
            den += (r.pred(k, j) + measured(k, j)) * (r.pred(k, j) + measured(k, j));
        }
        CHECK(std::fabs(surprise[k] - std::sqrt(num / den)) <= 1e-9 * std::fabs(surprise[k]) + 1e-12);
    }
    ae.update();
    r = ae.rank(K);
    ferrolab::AeSession::Maps maps = ae.maps();
    size_t surprising = 0, scored = 0;
    for (size_t i = 0; i < H * W; i++) {
        surprising += !std::isnan(maps.err_nrms.data[i]);
        scored += !std::isnan(maps.score.data[i]);
    }
    CHECK(surprising == K && scored == 13 * 13 - 9 - K && maps.latent.size() == H * W * 2);
    ferrolab::AeSession::Prediction pred = ae.predict({r.rows[0], r.rows[1]}, {r.cols[0], r.cols[1]});
    CHECK(pred.pred.rows == 2 && pred.pred.cols == L && pred.latent.cols == 2 && pred.pred(1, L - 1) == r.pred(1, L - 1));

    ae.save("cpp-ae-session");
    ferrolab::AeSession again = ferrolab::AeSession::load("cpp-ae-session");
    ferrolab::AeSession::Ranking r2 = again.rank(K);
    CHECK(r2.rows == r.rows && r2.cols == r.cols && same(r2.scores, r.scores));
    CHECK(again.shape().measurements == 9 + K && again.shape().trained);

    // Cancelled from another thread (it may already have finished), then resumed.
    again.add_measurements({2}, {14}, ferrolab::Matrix(1, L, loop_at(sample, 2, 14)));
    std::thread worker([&] {
        try {
            again.update();
        } catch (const ferrolab::Error &e) {
            CHECK(e.status() == FERROLAB_ERR_CANCELLED);
        }
    });
    again.request_cancel();
    worker.join();
    again.update();
    CHECK(again.shape().measurements == 9 + K + 1);

    // Sizes refused before C.
    EXPECT_ERROR(ae.add_measurements({3, 4}, {3}, ferrolab::Matrix(2, L)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "AeSession::add_measurements: 2 rows but 1 cols");
    EXPECT_ERROR(ae.add_measurements({3}, {3}, ferrolab::Matrix(1, L + 1)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "spectra: 1 x 17 given, want 1 x 16");
    EXPECT_ERROR(ae.predict({3}, {}), FERROLAB_ERR_INVALID_ARGUMENT, "AeSession::predict");
    EXPECT_ERROR(ae.add_measurements({0}, {0}, ferrolab::Matrix(1, L, loop_at(sample, 0, 0))),
                 FERROLAB_ERR_INVALID_ARGUMENT, "");
    CHECK(!ae.last_error().empty());

    // im2spec and spec2im.
    const size_t N = 12;
    ferrolab::Matrix patches(N, WIN * WIN), spectra(N, L);
    for (size_t k = 0; k < N; k++) {
        int64_t rr = 2 + int64_t(k % 6) * 2, cc = 3 + int64_t(k / 6) * 7;
        for (size_t i = 0; i < WIN; i++)
            for (size_t j = 0; j < WIN; j++)
                patches(k, i * WIN + j) = sample.image(size_t(rr) - WIN / 2 + i, size_t(cc) - WIN / 2 + j);
        std::vector<double> loop = loop_at(sample, rr, cc);
        std::copy(loop.begin(), loop.end(), spectra.data.begin() + k * L);
    }
    ferrolab::Im2Spec m(WIN, WIN, L, cfg);
    m.set_checkpoint(std::string("cpp_im2spec.ckpt"));
    m.set_checkpoint(std::nullopt);
    std::vector<double> history = m.train(patches, spectra);
    CHECK(history.size() == 2 && std::isfinite(history[1]) && m.shape().epochs_done == 2 && m.shape().latent == 2);
    CHECK(m.progress_info().done == 2);
    ferrolab::Matrix out = m.predict(patches), z = m.encode(patches), dec = m.decode(z);
    CHECK(out.rows == N && out.cols == L && z.cols == 2);
    for (size_t i = 0; i < out.data.size(); i++) CHECK(std::fabs(dec.data[i] - out.data[i]) <= 1e-12);
    m.save("cpp_m.im2spec");
    ferrolab::Im2Spec m2 = ferrolab::Im2Spec::load("cpp_m.im2spec");
    CHECK(same(m2.predict(patches).data, out.data));
    EXPECT_ERROR(m.train(patches, ferrolab::Matrix(N - 1, L)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "Im2Spec::train: spectra: 11 x 16 given, want 12 x 16");
    EXPECT_ERROR(m.predict(ferrolab::Matrix(2, WIN * WIN + 1)), FERROLAB_ERR_INVALID_ARGUMENT, "Im2Spec::predict");
    EXPECT_ERROR(m.decode(ferrolab::Matrix(2, 3)), FERROLAB_ERR_INVALID_ARGUMENT, "Im2Spec::decode: z");
    m.request_cancel();

    ferrolab::Spec2Im s2i(L, WIN, WIN, cfg);
    s2i.set_checkpoint(std::nullopt);
    s2i.train(spectra, patches);
    ferrolab::Matrix back = s2i.predict(spectra);
    CHECK(back.rows == N && back.cols == WIN * WIN && s2i.encode(spectra).cols == 2 &&
          s2i.decode(s2i.encode(spectra)).cols == WIN * WIN);
    s2i.save("cpp_m.spec2im");
    CHECK(same(ferrolab::Spec2Im::load("cpp_m.spec2im").predict(spectra).data, back.data));
    EXPECT_ERROR(ferrolab::Im2Spec::load("cpp_m.spec2im"), FERROLAB_ERR_CORRUPT_FILE, "ferrolab_spec2im_load");
    EXPECT_ERROR(s2i.predict(ferrolab::Matrix(2, L - 1)), FERROLAB_ERR_INVALID_ARGUMENT, "Spec2Im::predict");
    s2i.request_cancel();
    CHECK(s2i.progress_info().done == 2 && s2i.last_error().empty() == s2i.last_error().empty());
    std::remove("cpp_m.im2spec");
    std::remove("cpp_m.spec2im");
    return finish("ae");
}
